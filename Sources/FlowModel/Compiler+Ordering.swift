import Foundation
import Solvers

/// The ordering pass: items sorted so each follows what it reads; a cycle
/// is an algebraic loop, named.
extension Compiler {
    /// Orders `chosen` so each item follows what it reads; a cycle is an error naming it.
    func order(_ chosen: [Item]) -> [Item]? {
        var producer: [Int: Int] = [:]
        for (k, item) in chosen.enumerated() { producer[item.slot] = k }
        var state = [Int](repeating: 0, count: chosen.count)  // 0 new, 1 on the path, 2 done
        var result: [Item] = []
        var path: [Int] = []
        var failed = false
        func visit(_ k: Int) {
            if state[k] == 2 || failed { return }
            if state[k] == 1 {
                let cycle = path[path.firstIndex(of: k)!...].map { chosen[$0].label } + [chosen[k].label]
                error(
                    "algebraic loop: \(cycle.joined(separator: " -> ")); solve it by hand or make one of them a state",
                    at: chosen[k].location)
                failed = true
                return
            }
            state[k] = 1
            path.append(k)
            for slot in chosen[k].node.slots.sorted() {
                if let p = producer[slot] { if p == k { visitSelf(k) } else { visit(p) } }
            }
            path.removeLast()
            state[k] = 2
            result.append(chosen[k])
        }
        func visitSelf(_ k: Int) {
            error("algebraic loop: \(chosen[k].label) is defined in terms of itself", at: chosen[k].location)
            failed = true
        }
        for k in chosen.indices { visit(k) }
        return failed ? nil : result
    }
}
