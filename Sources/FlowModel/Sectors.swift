/// The sectors of MODEL.md section 2, in the column order of its matrices.
public enum Sector: String, CaseIterable, Sendable {
    /// Domestic private sector: households, non-AI firms, banks, funds, insurers.
    case P
    /// AI builders: hyperscalers and neoclouds.
    case A
    /// US Treasury.
    case G
    /// Monetary system: the Fed with the banks' loan book (it issues all cash).
    case F
    /// Sovereign funds that committed capital to AI (PIF, SoftBank, MGX, ...).
    case S
    /// Rest of world: chip and equipment exporters and their reserve managers.
    case W

    /// What the sector stands for.
    public var title: String {
        switch self {
        case .P: "domestic private sector"
        case .A: "AI builders"
        case .G: "US Treasury"
        case .F: "monetary system"
        case .S: "sovereign funds"
        case .W: "rest of world"
        }
    }
}
