import OperationalStore
import PrivacyPolicy

/// `opendata policy check`: loads policies and, with a store, enforces deny-by-default.
public enum PolicyCheck {
    /// Loads `path` and checks it; with `store`, also against its source table.
    ///
    /// - Returns: the policy when it has no problem, and every diagnostic found.
    /// `thorough` adds the checks that scan whole columns (``StoreDataCheck``), as `policy check --store` does.
    ///
    /// - Throws: ``PublisherError/store(_:)`` when `store` cannot be queried for the table's columns
    ///   or for the data checks. A policy that does not load or fails a check is returned as
    ///   diagnostics, not thrown.
    public static func check(path: String, store: (any RecordSource)?, thorough: Bool = false) throws(PublisherError)
        -> (policy: Policy?, diagnostics: [PolicyDiagnostic])
    {
        let policy: Policy
        do {
            policy = try PolicyLoader.load(path: path)
        } catch {
            return (nil, error.diagnostics)
        }
        let guarantee = GuaranteeCheck.diagnostics(for: policy)
        guard let store else { return (guarantee.isEmpty ? policy : nil, guarantee) }
        let columns: [String]?
        do {
            columns = try store.columns(of: policy.source.table)
        } catch {
            throw .store(error)
        }
        var diagnostics = guarantee + StoreSchemaCheck.diagnostics(for: policy, tableColumns: columns)
        // The data checks need the table's columns to be those the policy names.
        if diagnostics.isEmpty { diagnostics += try StoreDataCheck.diagnostics(for: policy, store: store, thorough: thorough) }
        return (diagnostics.isEmpty ? policy : nil, diagnostics)
    }

    /// Loads `path` and requires it to be valid against `store`; used by every
    /// command that acts on a policy.
    ///
    /// - Throws: ``PublisherError/invalidPolicy(_:)`` with every diagnostic when the policy does not load or
    ///   fails a check; ``PublisherError/store(_:)`` when `store` cannot be queried.
    public static func require(path: String, store: any RecordSource) throws(PublisherError) -> Policy {
        let (policy, diagnostics) = try check(path: path, store: store)
        guard let policy else { throw .invalidPolicy(PolicyError(diagnostics: diagnostics)) }
        return policy
    }
}
