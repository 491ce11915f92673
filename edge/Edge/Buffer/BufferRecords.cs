using City.Contract;
using City.Contract.Wire;

namespace City.Edge.Buffer;

/// <summary>A batch as stored in the buffer, ready to publish.</summary>
internal sealed record StoredBatch(ulong Seq, BatchKind Kind, long CreatedUnixMs, int ReadingCount, byte[] Payload);

/// <summary>What <see cref="BatchBuffer.Append"/> did. <c>Seqs</c> lists the batches stored, telemetry first, then an event batch if readings were dropped.</summary>
internal sealed record AppendResult(IReadOnlyList<ulong> Seqs, long ReadingsStored, long ReadingsDropped, int BatchesEvicted);

/// <summary>Lifetime counters and current content of the buffer.</summary>
internal sealed record BufferStats(
    string BufferId,
    ulong Epoch,
    ulong LastSeq,
    long BatchesWaiting,
    long ReadingsWaiting,
    long BytesUsed,
    long MaxBytes,
    long? OldestCreatedUnixMs,
    long ReadingsBuffered,
    long ReadingsDropped,
    long BatchesAcked,
    long ReadingsAcked,
    long BatchesRejected,
    long ReadingsRejected,
    int InFlight);

/// <summary>The buffer file was written by another gateway.</summary>
internal sealed class BufferOwnershipException(string message) : Exception(message);
