import Testing
@testable import Tabular

@Suite struct TableTests {
    @Test func dictionaryEncodingStoresEachValueOnce() {
        var column = Column(name: "district")
        for value in ["1", "2", "1", nil, "2", "1"] { column.append(value) }
        #expect(column.dictionary == ["1", "2"])
        #expect(column.codes == [0, 1, 0, Column.nullCode, 1, 0])
        #expect(column[3] == nil)
        #expect(column[4] == "2")
        #expect(column.code(of: "2") == 1)
    }

    @Test func rowsRoundTripInColumnOrder() {
        var table = Table(columnNames: ["a", "b"])
        table.append(row: ["x", nil])
        table.append(row: ["y", "z"])
        #expect(table.rowCount == 2)
        #expect(table.row(1) == ["y", "z"])
        #expect(table.column(named: "b")?.values == [nil, "z"])
        #expect(table.column(named: "missing") == nil)
    }
}
