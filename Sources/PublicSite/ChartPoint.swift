/// One labelled value with its 95% interval, as the dashboard's and report's charts draw it
/// (``TimeSeriesChart``, ``IntervalChart``). A nil value is drawn as missing ("no data", a gap).
struct ChartPoint {
    var label: String
    var value: Double?
    var low: Double?
    var high: Double?
    /// Extra text for a table's last column (a finding), if the chart has one.
    var note: String = ""
    /// The group's size as published (a noisy count), shown beside a rate so a reader can tell a
    /// rate of 30 records from one of 3,000.
    var size: Int? = nil
}
