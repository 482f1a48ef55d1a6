package ingester

// waitEncoder waits until the background encoder has encoded every chunk cut so far. No push
// may run meanwhile.
func waitEncoder(i *Ingester) { i.encWG.Wait() }
