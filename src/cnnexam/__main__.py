from cnnexam.cli import main

raise SystemExit(main())
