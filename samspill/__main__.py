from samspill.cli import main

main()
