using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Edge.Priority;

/// <summary>The traffic controller as a priority request server (PRS), as the edge uses it.</summary>
internal interface IPriorityController
{
    /// <summary>prgPriorityRequest: returns when the controller acknowledged it (the SET's answer).</summary>
    Task RequestAsync(PriorityRequestMessage request, CancellationToken cancellationToken);

    Task UpdateAsync(PriorityRequestMessage request, CancellationToken cancellationToken);

    Task CancelAsync(PriorityRequestKey key, CancellationToken cancellationToken);

    Task ClearAsync(PriorityRequestKey key, CancellationToken cancellationToken);

    /// <summary>prgPriorityStatusControl then prgPriorityStatusBuffer: the request's priorityRequestStatusInPRS.</summary>
    Task<PriorityRequestStatus> StatusAsync(PriorityRequestKey key, CancellationToken cancellationToken);
}

/// <summary>
/// The PRS over SNMP (v3 by default, or v2c/v1 with a community): each message one SET of its OCTET STRING object; a status is a SET of the status control and a
/// GET of the status buffer (one request's status at a time, so the run asks them in turn). Errors are the manager's
/// (<see cref="SnmpTimeoutException"/>, <see cref="SnmpErrorStatusException"/>), or <see cref="SnmpException"/> for a
/// status buffer that does not decode or names another request.
/// </summary>
internal sealed class SnmpPriorityController(SnmpManager manager, PrioritySettings settings) : IPriorityController
{
    private readonly SnmpTarget _target = settings.Controller.Target();

    public Task RequestAsync(PriorityRequestMessage request, CancellationToken cancellationToken) =>
        manager.SetAsync(_target, [Ntcip1211VarBinds.Request(request)], cancellationToken);

    public Task UpdateAsync(PriorityRequestMessage request, CancellationToken cancellationToken) =>
        manager.SetAsync(_target, [Ntcip1211VarBinds.Update(request)], cancellationToken);

    public Task CancelAsync(PriorityRequestKey key, CancellationToken cancellationToken) =>
        manager.SetAsync(_target, [Ntcip1211VarBinds.Cancel(key)], cancellationToken);

    public Task ClearAsync(PriorityRequestKey key, CancellationToken cancellationToken) =>
        manager.SetAsync(_target, [Ntcip1211VarBinds.Clear(key)], cancellationToken);

    public async Task<PriorityRequestStatus> StatusAsync(PriorityRequestKey key, CancellationToken cancellationToken)
    {
        await manager.SetAsync(_target, [Ntcip1211VarBinds.StatusControl(key)], cancellationToken).ConfigureAwait(false);
        var varBind = await manager.GetAsync(_target, Ntcip1211Oids.Instance(Ntcip1211Oids.PriorityStatusBuffer), cancellationToken).ConfigureAwait(false);
        var decoded = Ntcip1211VarBinds.TryReadStatus(varBind, out var status);
        if (decoded != PriorityDecodeStatus.Ok)
        {
            throw new SnmpException($"prgPriorityStatusBuffer did not decode ({decoded}): {varBind}");
        }

        if (status!.Key.RequestId != key.RequestId || status.Key.VehicleId != key.VehicleId)
        {
            throw new SnmpException($"prgPriorityStatusBuffer shows request {status.Key.RequestId} ({status.Key.VehicleId}), not {key.RequestId} ({key.VehicleId})");
        }

        return status.Status;
    }
}
