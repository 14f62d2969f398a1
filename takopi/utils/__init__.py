"""``takopi.utils``: upstream's package of that name; its modules re-export takopi_core."""
