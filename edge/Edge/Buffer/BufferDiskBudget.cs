namespace City.Edge.Buffer;

/// <summary>
/// Splits Buffer:MaxBytes, the bound on the buffer's files on disk (LiteDB data file plus its -log file), into what the
/// batches' payloads may use and when the log is folded into the data file (checkpoint). LiteDB never shrinks its data
/// file, and a transaction cannot reuse the pages it frees itself, so the data file's high-water mark is about the
/// fixed pages plus twice the payloads; the log holds at most one transaction beyond the checkpoint threshold.
/// Payloads therefore get a quarter of what is left once the fixed pages and the log threshold are set apart.
/// </summary>
internal sealed record BufferDiskBudget(long MaxBytes, long PayloadBytes, long CheckpointLogBytes)
{
    public const int PageSize = 8192;

    /// <summary>Header, collection, index, meta and alias pages, with room for their growth.</summary>
    public const long FixedBytes = 24 * PageSize;

    /// <summary>
    /// The log is folded into the data file once it holds this many pages (1 MB) at most. LiteDB keeps every page it
    /// writes to the log in its page cache (large arrays, never given back) until the checkpoint: the log's bound is the
    /// cache's, and a cabinet controller's memory is small. 1,000 pages (8 MB, LiteDB's default) cost ~6 MB more of RSS.
    /// </summary>
    public const long MaxCheckpointLogPages = 128;

    public static BufferDiskBudget For(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, BatchBuffer.MinimumMaxBytes);
        var checkpoint = Math.Clamp(maxBytes / 16, PageSize, MaxCheckpointLogPages * PageSize);
        return new BufferDiskBudget(maxBytes, (maxBytes - FixedBytes - checkpoint) / 4, checkpoint);
    }
}
