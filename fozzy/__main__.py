from fozzy.cli.app import main

main()
