import FlowModel
import Foundation
import TestSupport
import Testing

@testable import Application
@testable import Experiments
@testable import FileFormats

@Suite("Drivers files")
struct DriversFileTests {
    static let source = try! ModelFiles.source(Tool.root.appendingPathComponent("models/liquidity.sfc").path)

    @Test("the committed drivers file reads as seven drivers, each switched off as it says")
    func committed() throws {
        let drivers = try DriversFile.read(
            Tool.root.appendingPathComponent("calibration/drivers-liquidity.toml").path, source: Self.source)
        #expect(
            drivers.map(\.name) == [
                "policy rate", "TGA", "runoff", "bill share", "Fed policy from Dec 2025", "primary deficit", "AI boom",
            ])
        #expect(drivers[0].off == .holdTable("rm"))
        #expect(drivers[5].off == .parameters(["pd0": 0]))
        #expect(drivers[6].off == .option(choice: "counterfactual", option: "no_ai_boom"))
    }

    @Test("the priced model's drivers file holds runoff at none, its other tables at their start")
    func priced() throws {
        let source = try ModelFiles.source(Tool.root.appendingPathComponent("models/liquidity-priced.sfc").path)
        let drivers = try DriversFile.read(
            Tool.root.appendingPathComponent("calibration/drivers-liquidity-priced.toml").path, source: source)
        #expect(drivers.first { $0.name == "runoff" }?.off == .holdTable("qt", value: 0))
        #expect(drivers.first { $0.name == "policy rate" }?.off == .holdTable("rm"))
    }

    @Test(
        "a bad drivers file is refused naming the file, the driver and what is allowed",
        arguments: [
            (
                "name = \"a\"\ntable = \"rm\"\nparameters = { pd0 = 0.0 }",
                """
                driver[0] (a): give one way of switching it off: table = "NAME", choice = "NAME" with option = \
                "NAME", or parameters = { key = value }
                """
            ),
            (
                "name = \"a\"\ntable = \"rates\"",
                """
                driver[0].table = "rates": models/liquidity.sfc has no table rates; its tables: rm, TGA, qt, \
                bill_share, policy_on
                """
            ),
            (
                "name = \"a\"\nchoice = \"regime\"\noption = \"qe\"",
                "driver[0].option = \"qe\"; allowed: the options of regime: none, reserves, buyer, share"
            ),
            (
                "name = \"a\"\nparameters = { nope = 1.0 }",
                "driver[0].parameters.nope: unknown parameter; see `liquidity params`"
            ),
            (
                "name = \"a\"\ntable = \"rm\"\nhold = true",
                "unknown key driver[0].hold; allowed: name, table, value, choice, option, parameters"
            ),
            (
                "name = \"a\"\nparameters = { pd0 = 0.0 }\nvalue = 0.0",
                "driver[0].value: only a driver with a table takes a value to hold it at"
            ),
            (
                "name = \"a\"\ntable = \"qt\"\nvalue = \"none\"",
                "driver[0].value must be a number (the value to hold it at); got the string \"none\""
            ),
        ])
    func bad(_ driver: String, _ message: String) throws {
        let dir = try Tool.scratch()
        let path = dir.appendingPathComponent("drivers.toml").path
        try "[[driver]]\n\(driver)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let source = Self.source
        #expect(
            throws: InputError(
                "\(path): \(message.replacingOccurrences(of: "models/liquidity.sfc", with: source.file))")
        ) {
            try DriversFile.read(path, source: source)
        }
    }
}
