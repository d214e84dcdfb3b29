import Foundation
import TestSupport

/// Runs the built `opendata` executable as a user would.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Peak resident memory of the child in bytes, from `VmHWM` in /proc (sampled every 20 ms).
        var peakMemory: Int
    }

    static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("opendata").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return TestSupport.repositoryPath(".build/debug/opendata")
    }

    /// Runs `opendata arguments…` in `directory` and waits for it.
    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let pid = process.processIdentifier
        nonisolated(unsafe) var peak = 0
        let sampler = Thread {
            while process.isRunning {
                if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                   let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                   let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") {
                    peak = max(peak, kilobytes * 1024)
                }
                usleep(20_000)
            }
        }
        sampler.start()
        // Read both pipes while the child runs, so a full pipe never blocks it.
        nonisolated(unsafe) var errData = Data()
        let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished || !sampler.isFinished { usleep(1000) }
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), peakMemory: peak)
    }
}
