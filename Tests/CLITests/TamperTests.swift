import Foundation
import Testing
import TestSupport

/// What a portal maintainer's `opendata verify` must catch in a published folder
/// served by someone else (a mirror, a compromised web server): each case changes
/// the folder the way an attacker would and expects exit 1 naming the check.
/// Planted links, where the publisher must refuse to write, are tested too.
@Suite(.serialized) struct TamperTests {
    @Test func verifyCatchesRenamedReplayedFrozenAndSubstitutedFiles() throws {
        let night = try NightlyFixture("tamper")
        let second = try CLI.run(night.release + ["2026-11-22"])
        #expect(second.status == 0, "\(second.stderr)")
        let dataset = night.releases + "/calls-for-service"
        let manager = FileManager.default
        func expectFailure(_ path: String, check: String, _ extra: [String] = [], because what: String) throws {
            let result = try night.verify(path, extra)
            #expect(result.status == 1 && result.stderr.contains("FAIL \(check)"), "\(what): \(result.status) \(result.stderr)")
        }
        // Untouched, both nights verify in full.
        for release in ["2026-11-21", "2026-11-22"] {
            let result = try night.verify(dataset + "/" + release)
            #expect(result.status == 0, "\(release): \(result.stderr)")
            #expect(result.stdout.contains("ok   snapshot-latest") && result.stdout.contains("ok   names"), "\(result.stdout)")
        }
        // A release copied under another date or another dataset.
        try manager.copyItem(atPath: dataset + "/2026-11-21", toPath: dataset + "/2026-11-25")
        try expectFailure(dataset + "/2026-11-25", check: "names", because: "copied under another date")
        try manager.createDirectory(atPath: night.releases + "/complaints", withIntermediateDirectories: true)
        try manager.copyItem(atPath: dataset + "/2026-11-21", toPath: night.releases + "/complaints/2026-11-21")
        try expectFailure(night.releases + "/complaints/2026-11-21", check: "names", because: "copied under another dataset")
        try manager.removeItem(atPath: dataset + "/2026-11-25")
        try manager.removeItem(atPath: night.releases + "/complaints")

        // An old release replayed as the newest: latest pointed at it (and the newer one hidden).
        let latest = try String(contentsOfFile: dataset + "/latest", encoding: .utf8)
        try "2026-11-21\n".write(toFile: dataset + "/latest", atomically: true, encoding: .utf8)
        try expectFailure(dataset + "/2026-11-21", check: "snapshot-latest", because: "latest pointed at an old release")
        try latest.write(toFile: dataset + "/latest", atomically: true, encoding: .utf8)

        // A frozen mirror: the same folder, three days later.
        let later = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3 * 86400))
        try expectFailure(dataset + "/2026-11-22", check: "snapshot-fresh", ["--at", later], because: "a frozen mirror")

        // Files the snapshot signs, edited or replaced; the snapshot itself edited or deleted; the log deleted.
        let edits: [(file: String, check: String, change: (Data) -> Data)] = [
            ("catalog/data.json", "snapshot-files", { Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "calls", with: "cal1s").utf8) }),
            ("index.html", "snapshot-files", { Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "</body>", with: "<script>fetch('https://evil.example/')</script></body>").utf8) }),
            ("release.pub", "snapshot-files", { _ in Data("untrusted comment: minisign public key\nRWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n".utf8) }),
            ("snapshot.json", "snapshot-signature", { Data(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\"log_size\":2", with: "\"log_size\":3").utf8) }),
        ]
        for edit in edits {
            let path = night.releases + "/" + edit.file
            let original = try Data(contentsOf: URL(fileURLWithPath: path))
            let changed = edit.change(original)
            #expect(changed != original, "the \(edit.file) edit changed nothing")
            try changed.write(to: URL(fileURLWithPath: path))
            try expectFailure(dataset + "/2026-11-22", check: edit.check, because: "edited \(edit.file)")
            try original.write(to: URL(fileURLWithPath: path))
        }
        try manager.moveItem(atPath: night.releases + "/snapshot.json", toPath: night.folder + "/snapshot.json")
        try expectFailure(dataset + "/2026-11-22", check: "snapshot", because: "a deleted snapshot")
        try manager.moveItem(atPath: night.folder + "/snapshot.json", toPath: night.releases + "/snapshot.json")
        try manager.moveItem(atPath: night.releases + "/log", toPath: night.folder + "/log")
        try expectFailure(dataset + "/2026-11-22", check: "log-inclusion", because: "a deleted log")
        try manager.moveItem(atPath: night.folder + "/log", toPath: night.releases + "/log")
        // Everything put back verifies again.
        #expect(try night.verify(dataset + "/2026-11-22").status == 0)
    }

    @Test func plantedLinksAreRefusedAndNeverWrittenThrough() throws {
        let night = try NightlyFixture("links")
        let manager = FileManager.default
        let victim = night.folder + "/victim.txt"
        // Links where opendata writes: each must be refused (exit 3, naming it), with the target untouched.
        let plants: [(link: String, target: String)] = [
            ("Releases/index.html", victim),
            ("Releases/release.pub", victim),
            ("Releases/snapshot.json", victim),
            ("Releases/catalog/data.json", victim),
            ("Releases/log/checkpoint", victim),
            ("Releases/calls-for-service/latest", victim),
            ("Releases/calls-for-service/2026-11-22", night.folder + "/elsewhere"),
            ("Releases/calls-for-service/2026-11-22", night.folder + "/dangling-nowhere"),
            ("Releases/log", night.folder + "/elsewhere"),
            ("Releases.private/lock", victim),
            ("Releases.private/state.sqlite", victim),
        ]
        for plant in plants {
            try night.restore()
            try "do not touch\n".write(toFile: victim, atomically: false, encoding: .utf8)
            try? manager.createDirectory(atPath: night.folder + "/elsewhere", withIntermediateDirectories: true)
            let link = night.folder + "/" + plant.link
            try? manager.removeItem(atPath: link)
            try manager.createSymbolicLink(atPath: link, withDestinationPath: plant.target)
            let result = try CLI.run(night.release + ["2026-11-22"])
            #expect(result.status == 3, "a link at \(plant.link): exit \(result.status) \(result.stderr)")
            #expect(result.stderr.contains((plant.link as NSString).lastPathComponent), "\(plant.link): \(result.stderr)")
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "do not touch\n", "\(plant.link) was written through")
            #expect(((try? manager.contentsOfDirectory(atPath: night.folder + "/elsewhere")) ?? []).isEmpty, "\(plant.link) was written through")
            #expect((try? manager.destinationOfSymbolicLink(atPath: link)) == plant.target, "\(plant.link) was replaced")
            if plant.link.hasSuffix("2026-11-22") { continue }
            // A link at a fixed path is refused before anything changes: the new night is neither charged nor visible.
            #expect(!result.stderr.contains("published"), "\(plant.link): \(result.stderr)")
            #expect(!manager.fileExists(atPath: night.releases + "/calls-for-service/2026-11-22/manifest.json"), "\(plant.link): published anyway")
        }
        // Old fixed temporary names are not used any more: a link planted there is left alone and the run succeeds.
        try night.restore()
        try "do not touch\n".write(toFile: victim, atomically: false, encoding: .utf8)
        for name in ["Releases/index.html.tmp", "Releases/calls-for-service/latest.tmp", "Releases/catalog/data.json.tmp",
                     "Releases/log/checkpoint.tmp"] {
            try manager.createSymbolicLink(atPath: night.folder + "/" + name, withDestinationPath: victim)
        }
        let result = try CLI.run(night.release + ["2026-11-22"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "do not touch\n")
        // Links where releases are staged: the run would clean that folder, so it is refused and
        // what the link points at keeps every file.
        for (link, label) in [("Releases.private/incoming/calls-for-service", "calls-for-service"), ("Releases.private/incoming", "incoming")] {
            try night.restore()
            let outside = night.folder + "/outside-\(label)"
            try? manager.removeItem(atPath: outside)
            try manager.createDirectory(atPath: outside + "/calls-for-service", withIntermediateDirectories: true)
            for index in 0..<6 { try "keep \(index)\n".write(toFile: outside + "/file-\(index)", atomically: false, encoding: .utf8) }
            try manager.createDirectory(atPath: night.folder + "/Releases.private/incoming", withIntermediateDirectories: true)
            try? manager.removeItem(atPath: night.folder + "/" + link)
            try manager.createSymbolicLink(atPath: night.folder + "/" + link, withDestinationPath: outside)
            let planted = try CLI.run(night.release + ["2026-11-22"])
            #expect(planted.status == 3 && planted.stderr.contains(label), "\(link): exit \(planted.status) \(planted.stderr)")
            #expect(try manager.contentsOfDirectory(atPath: outside).filter { $0.hasPrefix("file-") }.count == 6, "\(link): files deleted through the link")
            #expect(!manager.fileExists(atPath: night.releases + "/calls-for-service/2026-11-22/manifest.json"), "\(link): published anyway")
        }
        // A private folder that is a link is refused too.
        try night.restore()
        try manager.moveItem(atPath: night.folder + "/Releases.private", toPath: night.folder + "/moved.private")
        try manager.createSymbolicLink(atPath: night.folder + "/Releases.private", withDestinationPath: night.folder + "/moved.private")
        let linked = try CLI.run(night.release + ["2026-11-22"])
        #expect(linked.status == 3 && linked.stderr.contains("Releases.private"), "\(linked.stderr)")
    }
}
