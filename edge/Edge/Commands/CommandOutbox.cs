using City.Contract.Wire;
using City.Edge.Buffer;
using Google.Protobuf;

namespace City.Edge.Commands;

/// <summary>
/// The command results waiting for central's ack, kept in the buffer file under their result_seq: a result is written here
/// before it is published, and leaves only when an Ack lists it in committed_result_seqs. A result produced while central
/// is away goes out at the next connection.
/// </summary>
internal sealed class CommandOutbox(BatchBuffer buffer, string gatewayId)
{
    /// <summary>Raised after a result was added (the session's result pump wakes up).</summary>
    public event Action? ResultsAdded;

    public int Depth => buffer.CommandResultsWaiting;

    /// <summary>Stamps the gateway and the next result_seq and keeps the result; false when it could not be written (full disk).</summary>
    public bool Add(CommandResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        result.GatewayId = gatewayId;
        var seq = buffer.AddCommandResult(s =>
        {
            result.ResultSeq = s;
            return result.ToByteArray();
        });
        if (seq is null)
        {
            return false;
        }

        ResultsAdded?.Invoke();
        return true;
    }

    /// <summary>Every result waiting for its ack, in result_seq order.</summary>
    public IReadOnlyList<CommandResult> Pending() =>
        buffer.PendingCommandResults().Select(r => CommandResult.Parser.ParseFrom(r.Payload)).ToList();

    public int Acknowledge(IReadOnlyCollection<ulong> seqs) => buffer.AcknowledgeCommandResults(seqs);
}
