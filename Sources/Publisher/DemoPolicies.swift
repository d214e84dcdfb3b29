/// The policies and hierarchy files of `Policies/`, built into the binary so
/// `opendata demo` runs anywhere. `DemoPoliciesTests` fails when these differ
/// from the files in `Policies/`; after editing a policy there, copy it here.
public enum DemoPolicies {
    /// Relative path under `Policies/` and exact contents, in path order.
    public static let files: [(path: String, contents: String)] = [
        ("boundaries/districts.geojson", #"""
{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"district":"1","name":"District 1"},"geometry":{"type":"Polygon","coordinates":[[[-88.05,43.1],[-87.96,43.1],[-87.96,43.18],[-88.05,43.18],[-88.05,43.1]]]}},
{"type":"Feature","properties":{"district":"2","name":"District 2"},"geometry":{"type":"Polygon","coordinates":[[[-87.96,43.1],[-87.87,43.1],[-87.87,43.18],[-87.96,43.18],[-87.96,43.1]]]}},
{"type":"Feature","properties":{"district":"3","name":"District 3"},"geometry":{"type":"Polygon","coordinates":[[[-88.05,43.02],[-87.99,43.02],[-87.99,43.1],[-88.05,43.1],[-88.05,43.02]]]}},
{"type":"Feature","properties":{"district":"4","name":"District 4"},"geometry":{"type":"Polygon","coordinates":[[[-87.99,43.02],[-87.93,43.02],[-87.93,43.1],[-87.99,43.1],[-87.99,43.02]]]}},
{"type":"Feature","properties":{"district":"5","name":"District 5"},"geometry":{"type":"Polygon","coordinates":[[[-87.93,43.02],[-87.87,43.02],[-87.87,43.1],[-87.93,43.1],[-87.93,43.02]]]}},
{"type":"Feature","properties":{"district":"6","name":"District 6"},"geometry":{"type":"Polygon","coordinates":[[[-88.05,42.94],[-87.96,42.94],[-87.96,43.02],[-88.05,43.02],[-88.05,42.94]]]}},
{"type":"Feature","properties":{"district":"7","name":"District 7"},"geometry":{"type":"Polygon","coordinates":[[[-87.96,42.94],[-87.87,42.94],[-87.87,43.02],[-87.96,43.02],[-87.96,42.94]]]}}
]}

"""#),
        ("calls-for-service.yaml", #"""
# Calls for service of the demo city (table calls_for_service).
# Privacy officers: every column of the table is listed (deny by default).
# Check changes with:  opendata policy check Policies/calls-for-service.yaml --store .demo/store.sqlite
policy: 1

dataset:
  id: calls-for-service
  title: Police calls for service
  description: Calls for police service received by the communications centre. A random sample of the day's calls, at most one per caller, coarsened so no small group of callers stands out, and daily counts and response times with random noise. Every file is differentially private, and so is each release as a whole.
  publisher: Demo City Police Department
  contact: opendata@demo-city.example
  license: CC-BY-4.0
  keywords: [police, calls for service, 911, response times]
  frequency: daily

source:
  table: calls_for_service
  window_by: received_at
  timezone: America/Chicago

retention:
  delete_after: 7 years
  measured_from: closed_at
  keep_if: legal_hold                 # records under legal hold are never deleted

columns:
  call_id: drop                       # internal CAD number: links to the raw record
  caller_name: drop
  caller_phone: drop
  narrative: drop                     # free text repeats names, phones and addresses
  legal_hold: drop
  closed_at: drop
  arrived_at: drop                    # used only inside response_seconds below
  latitude: drop                      # exact geocode; the block address is enough
  longitude: drop
  caller_id: privacy_unit             # bounds each caller's contribution; never published
  received_at:
    generalize: {time: [hour, day, week, month]}
  address:
    generalize: {street_block: [100, 1000]}
  beat:
    generalize: {file: hierarchies/beats.csv}
  district: keep
  caller_age:
    generalize: {bands: [5, 10, 20], top: 80}
  call_type: sensitive
  priority: keep

exclude:                              # withheld from every output
  call_type: [DOMESTIC VIOLENCE, SEXUAL ASSAULT, CHILD ABUSE]

derived:
  response_seconds: {seconds_between: [received_at, arrived_at]}

outputs:
  - id: calls
    title: Calls for service, a differentially private sample of records
    kind: microdata
    columns: [received_at, address, beat, caller_age, call_type, priority]
    privacy: {epsilon: 0.5, delta: 1.0e-6}   # SafePub: sampled, coarsening chosen privately, small groups removed

  - id: calls-by-district-day
    title: Calls per district per day, with response times
    kind: aggregate
    group_by: [district, {received_at: day}, priority]
    keys:
      district: ["1", "2", "3", "4", "5", "6", "7"]
      priority: [1, 2, 3, 4, 5]
    statistics:
      - count
      - median: response_seconds
        bounds: [0, 7200]
      - mean: response_seconds
        bounds: [0, 7200]
    contribution:
      groups_per_unit: 2
      rows_per_unit_per_group: 1
    privacy: {epsilon: 1.0}

  - id: calls-by-type
    title: Calls per call type per day
    kind: aggregate
    group_by: [call_type, {received_at: day}]
    keys:
      call_type: private
    statistics:
      - count
    contribution:
      groups_per_unit: 1
      rows_per_unit_per_group: 1
    privacy: {epsilon: 0.5, delta: 1.0e-7}

  - id: calls-by-beat
    title: Calls per beat per day
    kind: aggregate
    group_by: [beat, {received_at: day}]   # beats come from hierarchies/beats.csv: every beat is published
    statistics:
      - count
    totals_over: [month]              # calls-by-beat-monthly: each month's total with one noise, published when it ends
    contribution:
      groups_per_unit: 1
      rows_per_unit_per_group: 1
    privacy: {epsilon: 0.5}           # shared evenly by the daily table and the monthly totals

  - id: response-target-by-district
    title: Share of calls answered within 10 minutes, by district
    kind: disparity                   # rates per group, compared with all districts together, with 95% intervals
    compare: district
    keys: ["1", "2", "3", "4", "5", "6", "7"]
    outcome: {column: response_seconds, at_most: 600}
    reference: overall
    min_group_size: 50
    contribution:
      groups_per_unit: 1
      rows_per_unit_per_group: 1
    privacy: {epsilon: 0.25}

map:                                  # the dashboard's map: calls per district in the latest release
  boundaries: boundaries/districts.geojson   # made-up districts of the demo city
  column: district
  property: district

budget:
  per_release_epsilon: 2.75
  rolling_365_day_epsilon: 60.0

"""#),
        ("complaints.yaml", #"""
# Citizen complaints against officers in the demo city (table complaints).
policy: 1

dataset:
  id: complaints
  title: Citizen complaints about police conduct
  description: Complaints received from residents, with allegation and finding. At most one complaint per complainant is published each day, coarsened to k-anonymity (each published complaint matches those of at least four other complainants; whether someone complained is not hidden). The officer's badge is pseudonymised but coarsened away whenever it would single out a complaint, which in practice is nearly always, so the records do not show repeated complaints about one officer.
  publisher: Demo City Police Department
  contact: opendata@demo-city.example
  license: CC-BY-4.0
  keywords: [police, complaints, accountability]
  frequency: daily
  # The complaint records are published k-anonymous, not differentially private: too few
  # complaints arrive each day for a DP sample to keep any. So nothing about this dataset is
  # called differentially private, and whether a person filed a complaint is not hidden.
  guarantee: k_anonymity

source:
  table: complaints
  window_by: received_at
  timezone: America/Chicago

retention:
  delete_after: 5 years
  measured_from: received_at
  keep_if: legal_hold

columns:
  complaint_id: drop
  # The complainant: name and phone together identify a person (a release joins and hashes them
  # under a secret key; neither is ever published). k counts complainants, not complaints, and
  # each complainant is charged in the ledger for the releases that hold their complaints.
  complainant_name: privacy_unit
  complainant_phone: privacy_unit
  narrative: drop
  legal_hold: drop
  closed_at: drop
  received_at:
    generalize: {time: [day, week, month, quarter, year]}
  complainant_age:
    generalize: {bands: [10, 20], top: 70}
  complainant_gender:
    generalize: {file: hierarchies/gender.csv}
  complainant_race:
    generalize: {file: hierarchies/race.csv}
  district:
    generalize: {file: hierarchies/districts.csv}
  allegation: sensitive
  finding: sensitive                  # the outcome of a complaint is about the complainant too
  officer_badge: pseudonymize         # HMAC-SHA256; linkable across releases by design

outputs:
  - id: complaints
    title: Complaints, de-identified records
    kind: microdata
    columns: [received_at, complainant_age, complainant_gender, complainant_race, district, allegation, finding, officer_badge]
    k: 5
    l_diversity: {column: allegation, l: 2, variant: distinct}
    # Local recoding: the complaints one coarsening would withhold are coarsened again on their
    # own, so complainant gender and race stay for most complaints instead of being removed.
    max_suppression: 20%
    metric: loss
    gs_factor: 0.25                   # suppression is cheap in the first round: local recoding undoes it
    recoding: local

  - id: complaints-by-allegation
    title: Complaints per allegation and finding
    kind: aggregate
    group_by: [allegation, finding]
    keys:
      allegation: [Discourtesy, Failure to act, Improper search, Excessive force, Unlawful arrest, Harassment, Biased policing, Property damage, Untruthfulness, Retaliation]
      finding: [Not sustained, Unfounded, Exonerated, Sustained, Pending]
    statistics:
      - count
    privacy: {epsilon: 0.5}

  # Equity: is a complaint's chance of being sustained different by who filed it? Rates among
  # decided complaints (pending ones have no finding yet), each group against all together.
  - id: sustained-by-race
    title: Share of decided complaints sustained, by complainant race
    kind: disparity
    compare: complainant_race         # every value of hierarchies/race.csv is a public group
    outcome: {column: finding, is: [Sustained], among: [Sustained, Not sustained, Unfounded, Exonerated]}
    reference: overall
    min_group_size: 30
    privacy: {epsilon: 0.25}

  - id: sustained-by-gender
    title: Share of decided complaints sustained, by complainant gender
    kind: disparity
    compare: complainant_gender
    outcome: {column: finding, is: [Sustained], among: [Sustained, Not sustained, Unfounded, Exonerated]}
    reference: overall
    min_group_size: 30
    privacy: {epsilon: 0.25}

budget:
  per_release_epsilon: 1.0
  rolling_365_day_epsilon: 30.0

"""#),
        ("engagement-logs.yaml", #"""
# Community engagement contacts in the demo city (table engagement_logs).
policy: 1

dataset:
  id: community-engagement
  title: Community engagement interactions
  description: Contacts between residents and the department by channel and district, with satisfaction scores, as differentially private daily counts and means.
  publisher: Demo City Police Department
  contact: opendata@demo-city.example
  license: CC-BY-4.0
  keywords: [police, community engagement, satisfaction]
  frequency: daily

source:
  table: engagement_logs
  window_by: occurred_at
  timezone: America/Chicago

retention:
  delete_after: 365 days
  measured_from: occurred_at

columns:
  interaction_id: drop
  resident_name: drop
  resident_email: drop
  feedback_text: drop                 # free text; never published
  occurred_at:
    generalize: {time: [day, month]}
  channel: keep
  district: keep
  satisfaction: keep

outputs:
  - id: engagement-by-channel
    title: Contacts and satisfaction per district and channel
    kind: aggregate
    group_by: [district, channel]
    keys:
      district: ["1", "2", "3", "4", "5", "6", "7"]
      channel: [phone, portal, in-person, town-hall]
    statistics:
      - count
      - mean: satisfaction
        bounds: [1, 5]
        missing: refuse                 # every contact is rated, so the mean divides by the published count
    privacy: {epsilon: 0.5}

  - id: satisfied-by-channel
    title: Share of contacts rated 4 or 5 out of 5, by channel
    kind: disparity
    compare: channel
    keys: [phone, portal, in-person, town-hall]
    outcome: {column: satisfaction, at_least: 4}
    reference: overall
    min_group_size: 30
    privacy: {epsilon: 0.25}

budget:
  per_release_epsilon: 0.75
  rolling_365_day_epsilon: 20.0

"""#),
        ("hierarchies/beats.csv", #"""
1A;1;*
1B;1;*
1C;1;*
2A;2;*
2B;2;*
2C;2;*
3A;3;*
3B;3;*
3C;3;*
4A;4;*
4B;4;*
4C;4;*
5A;5;*
5B;5;*
5C;5;*
6A;6;*
6B;6;*
6C;6;*
7A;7;*
7B;7;*
7C;7;*

"""#),
        ("hierarchies/districts.csv", #"""
1;North;*
2;North;*
3;Central;*
4;North;*
5;Central;*
6;South;*
7;Central;*

"""#),
        ("hierarchies/gender.csv", #"""
female;*
male;*
nonbinary;*
unknown;*

"""#),
        ("hierarchies/race.csv", #"""
Black;Black;*
White;White;*
Hispanic;Hispanic;*
Asian;Other;*
American Indian;Other;*
Multiracial;Other;*
Unknown;Other;*

"""#),
    ]
}
