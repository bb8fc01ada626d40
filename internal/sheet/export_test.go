package sheet

// Clean is clean, for tests.
var Clean = clean

// SetSheetRows makes sheets hold n data rows until the returned function restores them.
func SetSheetRows(n int64) (restore func()) {
	old := sheetRows
	sheetRows = n
	return func() { sheetRows = old }
}
