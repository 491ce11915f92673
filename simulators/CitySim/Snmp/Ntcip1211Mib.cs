using City.Protocols.Ntcip1211;
using City.Protocols.Snmp;

namespace City.Sim.Snmp;

/// <summary>
/// The NTCIP 1211 PRG objects the simulated controller serves as a priority request server (under 1.3.6.1.4.1.1206.4.2.11.2):
/// prgPriorityRequest, prgPriorityUpdate, prgPriorityCancel, prgPriorityClear and prgPriorityStatusControl are written
/// (a value that does not decode is wrongLength or wrongValue; a full request table is resourceUnavailable) and read back
/// as the last value written; prgPriorityStatusBuffer is read-only.
/// </summary>
internal static class Ntcip1211Mib
{
    public static void Register(MibTree mib, NtcipController controller)
    {
        ArgumentNullException.ThrowIfNull(mib);
        ArgumentNullException.ThrowIfNull(controller);
        AddRequestObject(mib, Ntcip1211Oids.PriorityRequest, controller, (server, request, now) => server.Request(request, now));
        AddRequestObject(mib, Ntcip1211Oids.PriorityUpdate, controller, (server, request, now) =>
        {
            server.Update(request, now);
            return true;
        });
        AddKeyObject(mib, Ntcip1211Oids.PriorityStatusControl, controller, (server, key, _) => server.SelectStatus(key));
        AddKeyObject(mib, Ntcip1211Oids.PriorityCancel, controller, (server, key, now) => server.Cancel(key, now));
        AddKeyObject(mib, Ntcip1211Oids.PriorityClear, controller, (server, key, _) => server.Clear(key));
        mib.AddScalar(Ntcip1211Oids.PriorityStatusBuffer, () => controller.WithPriority((server, _) =>
            server.SelectedStatus() is { } status ? SnmpValue.OctetString(PriorityRequestCodec.EncodeStatus(status)) : SnmpValue.OctetString([])));
    }

    private static void AddRequestObject(MibTree mib, Oid objectOid, NtcipController controller, Func<PriorityServer, PriorityRequestMessage, long, bool> apply)
    {
        var last = new LastWritten();
        mib.AddScalar(objectOid, last.Read, new MibWrite(
            SnmpValueType.OctetString,
            value =>
            {
                last.Value = value;
                PriorityRequestCodec.TryDecodeRequest(value.AsBytes(), out var request);
                controller.WithPriority((server, now) => apply(server, request!, now));
            },
            value =>
            {
                var status = PriorityRequestCodec.TryDecodeRequest(value.AsBytes(), out var request);
                if (status != PriorityDecodeStatus.Ok)
                {
                    return status == PriorityDecodeStatus.WrongLength ? SnmpErrorStatus.WrongLength : SnmpErrorStatus.WrongValue;
                }

                return controller.WithPriority((server, _) => server.HasRoomFor(request!.Key)) ? SnmpErrorStatus.NoError : SnmpErrorStatus.ResourceUnavailable;
            }));
    }

    private static void AddKeyObject(MibTree mib, Oid objectOid, NtcipController controller, Action<PriorityServer, PriorityRequestKey, long> apply)
    {
        var last = new LastWritten();
        mib.AddScalar(objectOid, last.Read, new MibWrite(
            SnmpValueType.OctetString,
            value =>
            {
                last.Value = value;
                PriorityRequestCodec.TryDecodeKey(value.AsBytes(), out var key);
                controller.WithPriority((server, now) =>
                {
                    apply(server, key!, now);
                    return true;
                });
            },
            value => PriorityRequestCodec.TryDecodeKey(value.AsBytes(), out _) switch
            {
                PriorityDecodeStatus.Ok => SnmpErrorStatus.NoError,
                PriorityDecodeStatus.WrongLength => SnmpErrorStatus.WrongLength,
                _ => SnmpErrorStatus.WrongValue,
            }));
    }

    private sealed class LastWritten
    {
        public SnmpValue Value { get; set; } = SnmpValue.OctetString([]);

        public SnmpValue Read() => Value;
    }
}
