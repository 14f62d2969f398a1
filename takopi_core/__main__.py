from takopi_core.cli import main

raise SystemExit(main())
