// These tests start real processes on loopback ports; running them one at a time keeps the
// two-core CI machine from starving them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
