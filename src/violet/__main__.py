from violet.cli.app import main

main()
