using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;

namespace City.Protocols.Snmp;

/// <summary>A trap or inform as received, normalised: v1 traps carry the snmpTrapOID that RFC 3584 section 3.1 derives.</summary>
public sealed record SnmpNotification(
    IPEndPoint Source,
    SnmpVersion Version,
    SnmpPduType PduType,
    string SecurityName,
    Oid TrapOid,
    uint UpTime,
    IReadOnlyList<VarBind> VarBinds,
    SnmpTrapV1Fields? TrapV1 = null);

/// <summary>
/// Receives traps (v1, v2c, v3) and informs (v2c, v3; acknowledged with a Response) on one transport and publishes them
/// on a bounded channel. For v3 traps the sender is authoritative: keys are localized to its engine id and its boots/time
/// are tracked; for v3 informs this receiver is authoritative (<see cref="Engine"/>) and answers discovery.
/// Messages that fail any check are counted and dropped, never published.
/// </summary>
public sealed class SnmpNotificationReceiver : IAsyncDisposable
{
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");
    private static readonly Oid SnmpTrapOid = Oid.Parse("1.3.6.1.6.3.1.1.4.1.0");
    private static readonly Oid SnmpTraps = Oid.Parse("1.3.6.1.6.3.1.1.5");

    private readonly ISnmpTransport _transport;
    private readonly Channel<SnmpNotification> _channel;
    private readonly ConcurrentDictionary<string, byte> _communities = new(StringComparer.Ordinal);
    private readonly SnmpRemoteEngines _senders;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _rejected;

    public SnmpNotificationReceiver(ISnmpTransport transport, SnmpEngine? engine = null, TimeProvider? timeProvider = null, int capacity = 1024)
    {
        _transport = transport ?? throw new ArgumentNullException(nameof(transport));
        TimeProvider provider = timeProvider ?? engine?.TimeProvider ?? TimeProvider.System;
        Engine = engine ?? new SnmpEngine(timeProvider: provider);
        _senders = new SnmpRemoteEngines(provider);
        _channel = Channel.CreateBounded<SnmpNotification>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
        });
    }

    public static SnmpNotificationReceiver CreateUdp(IPEndPoint endPoint, SnmpEngine? engine = null, TimeProvider? timeProvider = null) =>
        new(UdpSnmpTransport.Bind(endPoint), engine, timeProvider);

    public SnmpEngine Engine { get; }

    public IPEndPoint LocalEndPoint => _transport.LocalEndPoint;

    public ChannelReader<SnmpNotification> Notifications => _channel.Reader;

    /// <summary>Datagrams dropped: undecodable, unknown community or user, failed USM checks, not a notification.</summary>
    public long RejectedDatagrams => Interlocked.Read(ref _rejected);

    /// <summary>Why the last datagram was dropped (for diagnostics).</summary>
    public string? LastRejection { get; private set; }

    public Exception? LastTransportError { get; private set; }

    public void AddCommunity(string community)
    {
        ArgumentException.ThrowIfNullOrEmpty(community);
        _communities[community] = 0;
    }

    public void AddUser(UsmUser user) => Engine.AddUser(user);

    public void Start() => _loop ??= Task.Run(ReceiveLoopAsync);

    private async Task ReceiveLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            SnmpDatagram datagram;
            try
            {
                datagram = await _transport.ReceiveAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (_stopping.IsCancellationRequested && exception is OperationCanceledException or ObjectDisposedException or System.Net.Sockets.SocketException)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                // One failed receive (e.g. an ICMP error surfaced by the OS) must not stop the service; it stays visible.
                LastTransportError = exception;
                continue;
            }

            (SnmpNotification? notification, byte[]? answer) = Handle(datagram.Data.Span, datagram.Remote);
            try
            {
                if (notification is not null)
                {
                    await _channel.Writer.WriteAsync(notification, _stopping.Token).ConfigureAwait(false);
                }

                if (answer is not null)
                {
                    await _transport.SendAsync(answer, datagram.Remote, _stopping.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (System.Net.Sockets.SocketException exception)
            {
                LastTransportError = exception;
            }
        }
    }

    /// <summary>What one datagram yields: a notification to publish and/or bytes to answer (inform acknowledgement, Report).</summary>
    public (SnmpNotification? Notification, byte[]? Answer) Handle(ReadOnlySpan<byte> datagram, IPEndPoint source)
    {
        if (SnmpCodec.TryDecode(datagram, out SnmpMessage? message) != SnmpDecodeStatus.Ok)
        {
            return Reject("undecodable datagram");
        }

        return message switch
        {
            CommunityMessage community => HandleCommunity(community, source),
            V3Message v3 => HandleV3(v3, datagram, source),
            _ => Reject("unknown message"),
        };
    }

    private (SnmpNotification?, byte[]?) HandleCommunity(CommunityMessage message, IPEndPoint source)
    {
        if (!_communities.ContainsKey(message.CommunityText))
        {
            return Reject($"unknown community from {source}");
        }

        SnmpPdu pdu = message.Pdu;
        switch (pdu.Type)
        {
            case SnmpPduType.TrapV1:
                SnmpTrapV1Fields trap = pdu.TrapV1!;
                Oid trapOid = trap.GenericTrap == SnmpGenericTrap.EnterpriseSpecific
                    ? trap.Enterprise.Append(0, (uint)trap.SpecificTrap)
                    : SnmpTraps.Append((uint)trap.GenericTrap + 1);
                return (new SnmpNotification(source, SnmpVersion.V1, pdu.Type, message.CommunityText, trapOid, trap.TimeStamp, pdu.VarBinds, trap), null);
            case SnmpPduType.TrapV2:
                return Notify(source, SnmpVersion.V2c, pdu, message.CommunityText, null);
            case SnmpPduType.InformRequest:
                byte[] ack = SnmpCodec.Encode(new CommunityMessage(message.Version, message.Community, pdu.ToResponse(pdu.VarBinds)));
                return Notify(source, SnmpVersion.V2c, pdu, message.CommunityText, ack);
            default:
                return Reject($"{pdu.Type} is not a notification");
        }
    }

    private (SnmpNotification?, byte[]?) HandleV3(V3Message message, ReadOnlySpan<byte> raw, IPEndPoint source)
    {
        ReadOnlySpan<byte> engineId = message.Security.EngineId.Span;
        if (engineId.IsEmpty || engineId.SequenceEqual(Engine.EngineId.Span))
        {
            // We are authoritative: discovery or an inform addressed to our engine.
            UsmStatus status = Engine.ProcessIncoming(message, raw, out ScopedPdu? scoped, out UsmUser? user);
            if (status != UsmStatus.Ok)
            {
                (SnmpNotification? none, _) = Reject($"v3 message from {source}: {status}");
                return (none, Engine.BuildReport(message, status, user));
            }

            if (scoped!.Pdu.Type != SnmpPduType.InformRequest)
            {
                return Reject($"{scoped.Pdu.Type} to our engine is not an inform");
            }

            byte[] ack = Engine.SealResponse(message, scoped, scoped.Pdu.ToResponse(scoped.Pdu.VarBinds), user);
            return Notify(source, SnmpVersion.V3, scoped.Pdu, user!.Name, ack);
        }

        UsmStatus trapStatus = Usm.Open(message, raw, Engine.FindUser, _senders.CheckAndUpdate, out ScopedPdu? trapScope, out UsmUser? sender);
        if (trapStatus != UsmStatus.Ok || sender is null)
        {
            return Reject($"v3 trap from {source}: {(trapStatus == UsmStatus.Ok ? UsmStatus.UnknownUserName : trapStatus)}");
        }

        return trapScope!.Pdu.Type == SnmpPduType.TrapV2
            ? Notify(source, SnmpVersion.V3, trapScope.Pdu, sender.Name, null)
            : Reject($"{trapScope.Pdu.Type} from a non-local engine is not a trap");
    }

    private (SnmpNotification?, byte[]?) Notify(IPEndPoint source, SnmpVersion version, SnmpPdu pdu, string securityName, byte[]? answer)
    {
        // RFC 3416 4.2.6: the first two varbinds are sysUpTime.0 and snmpTrapOID.0.
        if (pdu.VarBinds.Count < 2 || pdu.VarBinds[0].Oid != SysUpTime || pdu.VarBinds[0].Value.Type != SnmpValueType.TimeTicks
            || pdu.VarBinds[1].Oid != SnmpTrapOid || pdu.VarBinds[1].Value.Type != SnmpValueType.ObjectIdentifier)
        {
            return Reject($"{pdu.Type} from {source} does not start with sysUpTime.0 and snmpTrapOID.0");
        }

        var notification = new SnmpNotification(source, version, pdu.Type, securityName, pdu.VarBinds[1].Value.AsOid(),
            pdu.VarBinds[0].Value.AsUInt32(), pdu.VarBinds.Skip(2).ToList());
        return (notification, answer);
    }

    private (SnmpNotification?, byte[]?) Reject(string reason)
    {
        Interlocked.Increment(ref _rejected);
        LastRejection = reason;
        return (null, null);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _transport.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _channel.Writer.TryComplete();
        _stopping.Dispose();
    }
}
