import Foundation

/// The closest of `candidates` to `name` by edit distance, if close enough to be a likely typo.
public func nearest(_ name: String, in candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var row = [i + 1]
            for (j, y) in b.enumerated() {
                row.append(Swift.min(previous[j + 1] + 1, row[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = row
        }
        return previous[b.count]
    }
    let target = Array(name.lowercased())
    let best = candidates.map { ($0, distance(target, Array($0.lowercased()))) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
    // A likely typo: fewer edits than letters, about one edit in three.
    guard let best, best.1 < name.count, best.1 * 3 <= name.count + 2, best.0 != name else { return nil }
    return best.0
}
