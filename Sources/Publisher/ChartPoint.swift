/// One labelled value with its 95% interval, as the dashboard's and report's charts draw it
/// (``TimeSeriesChart``, ``IntervalChart``). A nil value is drawn as missing ("no data", a gap).
struct ChartPoint {
    var label: String
    var value: Double?
    var low: Double?
    var high: Double?
    /// Extra text for a table's last column (a finding), if the chart has one.
    var note: String = ""
}
