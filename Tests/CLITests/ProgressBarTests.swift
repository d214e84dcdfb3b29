import Foundation
import Testing
import TestSupport
@testable import opendata

/// The progress bar is for people at a terminal: drawn there, never in logs.
@Suite(.serialized) struct ProgressBarTests {
    @Test func rendersAFractionOrAStageAndFitsTheTerminal() {
        #expect(ProgressBar.render("reading", 0.5, columns: 100) == "[############............]  50%  reading")
        #expect(ProgressBar.render("reading", 1.7, columns: 100).hasPrefix("[########################] 100%"))
        #expect(ProgressBar.render("k-anonymity search, 3 of 450 transformations checked", nil, columns: 100)
            == "k-anonymity search, 3 of 450 transformations checked")
        #expect(ProgressBar.render(String(repeating: "x", count: 300), 0.1, columns: 80).count == 79)
    }

    @Test func drawnOnATerminalAndNeverInLogs() throws {
        let (_, arguments) = try ReleaseCommandTests.city()
        // A dry run of the published window again goes through every stage and changes nothing.
        let run = arguments + ["--window", "2026-11-22", "--new-sequence", "--dry-run"]
        let piped = try CLI.run(run)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(!piped.stderr.contains("\u{1B}") && !piped.stderr.contains("\r") && !piped.stdout.contains("\u{1B}"))
        let json = try CLI.run(run + ["--log-format", "json"])
        #expect(!json.stderr.contains("\u{1B}") && !json.stdout.contains("\u{1B}"))

        // script(1) runs the command on a pseudo-terminal: the bar is drawn, then erased.
        guard OutsideTool.available("script") else { return }
        let command = ([CLI.executable] + run).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
            .joined(separator: " ")
        let terminal = try OutsideTool.run("script", ["-qec", command, "/dev/null"])
        #expect(terminal.status == 0, "\(terminal.output)")
        #expect(terminal.output.contains("\r\u{1B}[2K"))
        #expect(terminal.output.contains("k-anonymity search"))
    }
}
