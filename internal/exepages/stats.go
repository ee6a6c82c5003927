package exepages

// Stats is what Release did.
type Stats struct {
	Before, After int64 // resident pages of the executable, bytes
	Released      int   // mappings unmapped
	Kept          int   // mappings of the executable left alone
}
