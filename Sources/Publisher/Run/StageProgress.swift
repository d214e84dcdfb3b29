/// Receives how far a long stage of a release has got: a short description
/// (e.g. "calls-for-service: reading calls_for_service") and the fraction done,
/// or nil when only a count is known (the description then carries it).
/// Called from worker threads, often; implementations throttle and lock.
/// Never given record contents or secrets.
public typealias StageProgress = @Sendable (_ stage: String, _ fraction: Double?) -> Void
