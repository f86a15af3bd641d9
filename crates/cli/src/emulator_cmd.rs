//! `keepsake emulator`: virtual iPhones to try Keepsake without a phone, the same command as
//! `keepsake-virtual-iphone` (its flags and run live in `keepsake_emulator::command`).

pub use keepsake_emulator::command::EmulatorArgs;

/// Serves the phones until Ctrl-C; stdout starts with the `USBMUXD_SOCKET_ADDRESS=` line.
pub fn run(args: &EmulatorArgs) -> anyhow::Result<()> {
    keepsake_emulator::command::run(args)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    #[test]
    fn the_issues_command_line_runs_the_emulator_command() {
        let cli = crate::Cli::try_parse_from([
            "keepsake",
            "emulator",
            "--size",
            "2GiB",
            "--seed",
            "1",
            "--encrypted",
            "pw",
            "--passcode",
        ])
        .unwrap();
        let crate::Command::Emulator(args) = cli.command else {
            panic!("not the emulator command");
        };
        assert_eq!((args.size, args.seed), (2 << 30, 1));
        assert_eq!(args.encrypted.as_deref(), Some("pw"));
        assert_eq!(args.passcode, Some(5));
    }
}
