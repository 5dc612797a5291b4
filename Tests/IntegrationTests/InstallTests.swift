import Foundation
import XCTest

/// `make install` after a plain `swift build -c release` found those binaries up to date and
/// installed them linked to the toolchain's libswiftCore.so. The installed tools now come from a
/// build folder of their own, stripped, and checked for the runtime. (make -n: what make would
/// run, on a copy of the tree with a newer non-static .build/release in it.)
final class InstallTests: XCTestCase {
    func testInstallNeverTakesTheToolsOfAPlainReleaseBuild() throws {
        let copy = NSTemporaryDirectory() + "install-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: copy) }
        let repo = SyncHome.repo.path
        let tools = ["wh-extract", "cv-map", "cv-dedupe", "cv-load", "cv-run", "cv-emulator"]
        let (status, out, err) = try PipelineTests.shell(
            """
            set -e
            mkdir -p '\(copy)/.build/release'
            cp -R '\(repo)/Makefile' '\(repo)/Package.swift' '\(repo)/README.md' '\(repo)/Sources' '\(repo)/scripts' '\(copy)/'
            cd '\(copy)'
            for t in \(tools.joined(separator: " ")); do touch -d '+1 hour' .build/release/$t; done
            make -n install DESTDIR='\(copy)/staged' PREFIX=/opt/cv
            """)
        XCTAssertEqual(status, 0, err)
        XCTAssertFalse(out.contains(".build/release/"), "installs the plain release build:\n\(out)")
        XCTAssertTrue(out.contains("swift build -c release --static-swift-stdlib --scratch-path .build-static"), out)
        // The recipe's loop, as make prints it: every tool, stripped, from the static folder.
        XCTAssertTrue(out.contains("for t in \(tools.joined(separator: " ")); do"), out)
        XCTAssertTrue(out.contains("install -m 755 -s .build-static/release/$t \(copy)/staged/opt/cv/bin/$t"), out)
        XCTAssertTrue(out.contains("needs the Swift runtime"), "the installed tools are checked")
    }

    /// The tools' versions were five literals and named no commit: an installed tool reads the
    /// VERSION file make install writes beside its bin folder, as cv-sync does.
    func testAnInstalledToolNamesItsCommit() throws {
        let prefix = NSTemporaryDirectory() + "version-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let (status, out, err) = try PipelineTests.shell(
            """
            set -e
            mkdir -p '\(prefix)/bin' '\(prefix)/lib/conversion-warehouse-sync'
            cp '\(ToolRunner.binDirectory.path)/cv-map' '\(prefix)/bin/'
            echo 7b2d3fb-dirty >'\(prefix)/lib/conversion-warehouse-sync/VERSION'
            '\(prefix)/bin/cv-map' --version
            '\(ToolRunner.binDirectory.path)/cv-map' --version
            """)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out, "0.1.0 (7b2d3fb-dirty)\n0.1.0\n", "installed, then in the build folder")
    }
}
