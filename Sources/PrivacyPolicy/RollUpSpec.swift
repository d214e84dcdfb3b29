/// A private key's category hierarchy (`keys: {call_type: {private: true, roll_up: FILE}}`): the
/// values DP partition selection does not publish are counted under their category instead of
/// vanishing. Every category is a public key, published every release with zeros included.
///
/// The file (``RollUpFile``) maps each value to a category. A value the file does not list is
/// counted under ``unlisted``, a category stated in the policy (or its default), so no record of
/// an unpublished value is ever dropped for want of a category and no release depends on which
/// values a night's records happen to hold.
public struct RollUpSpec: Sendable, Equatable {
    /// The grouping column whose private values roll up.
    public var column: String
    /// The hierarchy file as written in the policy (relative to the policy's folder, or absolute).
    public var file: String
    /// Every category, in the file's order of first appearance, then ``unlisted`` when the file
    /// does not already name it: the public keys of the roll-up rows.
    public var categories: [String]
    /// Each listed value's category.
    public var categoryOf: [String: String]
    /// The category of a value the file does not list.
    public var unlisted: String
    /// The share of the output's ε (or ρ) spent on the roll-up counts, in (0, ``maximumShare``].
    public var share: Double
    /// `members: public`: the file is a public code list, so the privacy report may name the
    /// values it lists in each category. By default it gives only how many: a file built from the
    /// data would otherwise publish, outside any DP accounting, that each rare value it lists
    /// occurs, the very thing partition selection hides.
    public var membersArePublic = false
    /// Where `roll_up` is written.
    public var location: SourceLocation

    /// The catch-all category when the policy names none.
    public static let defaultUnlisted = "Not in the hierarchy"
    /// The share of the output's budget the roll-up counts get when the policy states none.
    public static let defaultShare = 0.2
    /// The largest share a policy may give the roll-up (the rest selects and counts the values).
    public static let maximumShare = 0.6
    /// What starts the key of a roll-up row in the published file: `category: Traffic`.
    public static let keyPrefix = "category: "

    /// Creates a roll-up; ``categories`` gets ``unlisted`` appended when the file does not name it.
    public init(column: String, file: String, categoryOf: [String: String], order: [String], unlisted: String,
                share: Double, membersArePublic: Bool = false, location: SourceLocation) {
        self.membersArePublic = membersArePublic
        self.column = column
        self.file = file
        self.categoryOf = categoryOf
        self.categories = order.contains(unlisted) ? order : order + [unlisted]
        self.unlisted = unlisted
        self.share = share
        self.location = location
    }

    /// The category `value` is counted under: its row in the file, else ``unlisted``.
    public func category(of value: String) -> String { categoryOf[value] ?? unlisted }

    /// The published key of a category's row (``keyPrefix`` then the category).
    public static func key(_ category: String) -> String { keyPrefix + category }
}
