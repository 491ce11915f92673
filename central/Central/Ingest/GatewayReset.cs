namespace City.Central.Ingest;

/// <summary>What a reset cleared: the gateway's epoch and buffer before it, and how many catalogue points it had.</summary>
internal sealed record GatewayResetResult(string GatewayId, ulong PreviousEpoch, string PreviousBufferId, int CataloguePoints);

/// <summary>
/// An admin's request to clear a gateway's registration (epoch, buffer ids, catalogue, latest values, dedupe state),
/// queued to the ingest worker behind the messages already received so that it is applied and committed like a
/// message. <see cref="Completion"/> ends with the result once committed, null for a gateway central does not know,
/// or the error when the store could not write it.
/// </summary>
internal sealed class GatewayReset(string gatewayId, string requestedBy)
{
    /// <summary>The point of central's event recording a reset, served by /api/v1/events.</summary>
    public const string EventPoint = "$central/reset";

    public string GatewayId { get; } = gatewayId;

    /// <summary>The token name of the admin who asked, for the log and the event.</summary>
    public string RequestedBy { get; } = requestedBy;

    public TaskCompletionSource<GatewayResetResult?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
