/// Deny-by-default against the real table (DESIGN.md, "Policy format"): every
/// column of the source table is listed in the policy and every listed column
/// exists. Either mismatch stops `policy check --store` and every release.
public enum StoreSchemaCheck {
    /// Diagnostics for `policy` against the columns the store reports for its
    /// source table (`nil` when the table does not exist).
    public static func diagnostics(for policy: Policy, tableColumns: [String]?) -> [PolicyDiagnostic] {
        let tableLocation = policy.columns.first?.location ?? SourceLocation(file: policy.path, line: 1, column: 1)
        guard let tableColumns else {
            return [PolicyDiagnostic(SourceLocation(file: policy.path, line: 1, column: 1),
                                     "source.table '\(policy.source.table)' does not exist in the store; check the name or import it first")]
        }
        var result: [PolicyDiagnostic] = []
        let listed = Set(policy.columns.map(\.name))
        let actual = Set(tableColumns)
        for column in tableColumns where !listed.contains(column) {
            result.append(PolicyDiagnostic(tableLocation, "column '\(column)' of table '\(policy.source.table)' is not in the policy; every column needs a treatment (deny by default), e.g. '\(column): drop'"))
        }
        for spec in policy.columns where !actual.contains(spec.name) {
            result.append(PolicyDiagnostic(spec.location, "column '\(spec.name)' is not in table '\(policy.source.table)'\(Suggestion.didYouMean(spec.name, among: tableColumns)); remove it or fix the name"))
        }
        return result
    }
}
