import ArgumentParser

/// `--log-format`, shared by every long-running command.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: 'text' for people, 'json' for one JSON object per line (journald, cron).")
    var logFormat: LogFormat = .text

    enum LogFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    var console: Console {
        Console(format: logFormat == .json ? .json : .text)
    }
}
