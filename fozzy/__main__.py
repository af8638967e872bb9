from fozzy.cli.entry import main

main()
