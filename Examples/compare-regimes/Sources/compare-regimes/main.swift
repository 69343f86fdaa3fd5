// Runs the comparison of Fed regimes none and buyer on the default model file
// with the calibrated baseline and prints one number: how much higher crypto
// ends with the Fed as buyer of last resort than with no buyer.
//
//   swift run compare-regimes [CONFIG]      (default: ../../calibration/baseline.toml)
import Application
import Experiments
import FileFormats

let model = "../../models/reverse-qe.sfc"
let config = CommandLine.arguments.dropFirst().first ?? "../../calibration/baseline.toml"
let source = try ModelFiles.source(model)
let comparison = try ChoiceComparison(
    source: source, settings: try ModelFiles.settings(configuration: config, for: source), choice: "regime",
    options: ["none", "buyer"])
let result = try comparison.run()
func endPrice(_ regime: String) -> Double {
    result.run(regime)!.summaries.first { $0.column == "end_p_crypto" }!.value!
}
print("crypto price at end, buyer minus none:", endPrice("buyer") - endPrice("none"))
