/// Word lists the demo city draws from. Call types follow the mix of real
/// computer-aided-dispatch data (cf. `data/real-police/`), most common first,
/// so a Zipf draw gives a realistic long tail.
enum DemoVocabulary {
    static let firstNames = [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
        "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
        "Luis", "Maria", "DeShawn", "Aaliyah", "Nguyen", "Mei", "Ahmed", "Fatima", "Tyrone", "Keisha",
        "Jose", "Ana", "Kevin", "Nancy", "Brian", "Lisa", "Marcus", "Jasmine", "Hmong", "Yer",
    ]
    static let lastNames = [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
        "Vang", "Xiong", "Kowalski", "Nowak", "Schmidt", "Mueller", "Washington", "Okafor", "Haddad", "Tran",
    ]
    static let streets: [(direction: String, name: String)] = [
        ("N", "35TH ST"), ("N", "27TH ST"), ("W", "CENTER ST"), ("W", "NORTH AV"), ("W", "BURLEIGH ST"),
        ("N", "SHERMAN BLVD"), ("W", "CAPITOL DR"), ("S", "13TH ST"), ("W", "LINCOLN AV"), ("S", "16TH ST"),
        ("W", "VLIET ST"), ("N", "TEUTONIA AV"), ("W", "FOND DU LAC AV"), ("N", "FOREST HOME AV"), ("E", "BRADY ST"),
        ("N", "PROSPECT AV"), ("W", "WISCONSIN AV"), ("W", "GREENFIELD AV"), ("S", "KINNICKINNIC AV"), ("W", "OKLAHOMA AV"),
        ("N", "76TH ST"), ("W", "GOOD HOPE RD"), ("W", "SILVER SPRING DR"), ("N", "HOLTON ST"), ("N", "MARTIN L KING JR DR"),
        ("W", "LOCUST ST"), ("W", "HAMPTON AV"), ("N", "60TH ST"), ("S", "27TH ST"), ("W", "MITCHELL ST"),
        ("E", "LOCUST ST"), ("N", "WATER ST"), ("W", "STATE ST"), ("N", "HUMBOLDT BLVD"), ("W", "MILL RD"),
    ]
    /// (call type, priority 1 = most urgent, relative service time)
    static let callTypes: [(name: String, priority: Int)] = [
        ("TRAFFIC STOP", 4), ("TRBL W/SUBJ", 2), ("WELFARE CITIZEN", 3), ("SUBJ WANTED", 2), ("THEFT", 4),
        ("PARKING TROUBLE", 5), ("ACCIDENT PROPERTY DAMAGE", 4), ("BATTERY", 2), ("DOMESTIC VIOLENCE", 1),
        ("SHOTSPOTTER", 1), ("NOISE NUISANCE", 5), ("RETAIL THEFT", 4), ("ENTRY TO AUTO", 4), ("FIELD INTERVIEW", 5),
        ("BURGLARY", 3), ("SHOTS FIRED", 1), ("RECKLESS DRIVING", 3), ("FOLLOW UP", 5), ("ALARM BURGLAR", 3),
        ("PROPERTY DAMAGE", 4), ("SUSPICIOUS VEHICLE", 3), ("FIGHT", 2), ("ACCIDENT INJURY", 1), ("STOLEN VEHICLE", 3),
        ("MENTAL OBSERVATION", 2), ("FRAUD", 5), ("ROBBERY", 1), ("SEXUAL ASSAULT", 1), ("CHILD ABUSE", 1),
        ("MISSING PERSON", 2), ("DRUG DEALING", 3), ("TRESPASSING", 4), ("ANIMAL COMPLAINT", 5), ("HIT AND RUN", 3),
        ("WEAPON VIOLATION", 1), ("OVERDOSE", 1), ("JUVENILE TROUBLE", 4), ("LOST PROPERTY", 5), ("ARSON", 1),
        ("EXPLOSIVE DEVICE", 1),
    ]
    static let allegations = [
        "Discourtesy", "Failure to act", "Improper search", "Excessive force", "Unlawful arrest",
        "Harassment", "Biased policing", "Property damage", "Untruthfulness", "Retaliation",
    ]
    static let findings = ["Not sustained", "Unfounded", "Exonerated", "Sustained", "Pending"]
    static let genders = ["female", "male", "nonbinary", "unknown"]
    static let races = ["Black", "White", "Hispanic", "Asian", "American Indian", "Multiracial", "Unknown"]
    static let channels = ["phone", "portal", "in-person", "town-hall"]
    static let feedback = [
        "The officer listened and followed up quickly.", "Nobody called me back about my report.",
        "Great turnout at the meeting on", "I want more patrols near", "The online form lost my message about",
        "Thank you for the quick response to", "Traffic is still dangerous around",
    ]
    /// Beats per district, as in `Policies/hierarchies/beats.csv`.
    static let beatLetters = ["A", "B", "C"]
}
