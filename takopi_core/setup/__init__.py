"""Transport setup and `takopi doctor`: the steps, the validator child, the checks."""
