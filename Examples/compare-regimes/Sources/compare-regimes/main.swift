// Runs the default comparison of Fed regimes (none, reserves, buyer) on the
// calibrated baseline and prints one number: how much higher crypto ends with
// the Fed as buyer of last resort than with no buyer.
//
//   swift run compare-regimes [CONFIG]      (default: ../../calibration/baseline.toml)
import Experiments
import FileFormats

let path = CommandLine.arguments.dropFirst().first ?? "../../calibration/baseline.toml"
let parameters = try Configuration.read(path)
let result = try RegimeComparison(parameters: parameters).run()
let none = result.run(.none)!.summary, buyer = result.run(.buyer)!.summary
print("crypto price at end, buyer minus none:", buyer.endPrice["crypto"]! - none.endPrice["crypto"]!)
