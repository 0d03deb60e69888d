//! The `helpdesk` command line: one file per subcommand.
