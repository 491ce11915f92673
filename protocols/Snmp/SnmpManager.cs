using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;

namespace City.Protocols.Snmp;

/// <summary>
/// An SNMP manager (command generator) over one transport: discovers v3 engines and keeps their time, walks with
/// GETBULK (GETNEXT in v1), splits a GET that came back tooBig, and sends traps and informs. Matching responses to
/// requests by request id (v1/v2c) or msgID (v3) and retrying on timeout (time from the injected
/// <see cref="TimeProvider"/>) is <see cref="SnmpExchange"/>'s part.
/// </summary>
public sealed class SnmpManager : IAsyncDisposable
{
    private static readonly Oid SysUpTime = Oid.Parse("1.3.6.1.2.1.1.3.0");
    private static readonly Oid SnmpTrapOid = Oid.Parse("1.3.6.1.6.3.1.1.4.1.0");

    private readonly ConcurrentDictionary<IPEndPoint, byte[]> _engineIds = new();
    private readonly SnmpExchange _exchange;

    public SnmpManager(ISnmpTransport transport, TimeProvider? timeProvider = null, SnmpEngine? localEngine = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        timeProvider ??= TimeProvider.System;
        LocalEngine = localEngine ?? new SnmpEngine(timeProvider: timeProvider);
        RemoteEngines = new SnmpRemoteEngines(timeProvider);
        _exchange = new SnmpExchange(transport, timeProvider);
    }

    /// <summary>A manager on its own UDP socket on an ephemeral port of <paramref name="localAddress"/> (default any).</summary>
    public static SnmpManager CreateUdp(IPAddress? localAddress = null, TimeProvider? timeProvider = null) =>
        new(UdpSnmpTransport.Bind(new IPEndPoint(localAddress ?? IPAddress.Any, 0)), timeProvider);

    /// <summary>This side's engine: authoritative for the v3 traps it sends.</summary>
    public SnmpEngine LocalEngine { get; }

    /// <summary>What this manager knows of agents' engine boots and time.</summary>
    public SnmpRemoteEngines RemoteEngines { get; }

    /// <summary>Datagrams that did not decode or matched no request (observability, not an error).</summary>
    public long DroppedDatagrams => _exchange.DroppedDatagrams;

    /// <summary>The last receive error of the transport, if any (the loop keeps receiving after one).</summary>
    public Exception? LastTransportError => _exchange.LastTransportError;

    // ---------------------------------------------------------------- high-level operations

    /// <summary>GET. A tooBig answer with several varbinds is retried as two halves, recursively.</summary>
    public async Task<IReadOnlyList<VarBind>> GetAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oids);
        return await SplittingAsync(target, SnmpPduType.GetRequest, oids.Select(oid => new VarBind(oid)).ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task<VarBind> GetAsync(SnmpTarget target, Oid oid, CancellationToken cancellationToken = default) =>
        (await GetAsync(target, [oid], cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<VarBind>> GetNextAsync(SnmpTarget target, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(oids);
        return await SplittingAsync(target, SnmpPduType.GetNextRequest, oids.Select(oid => new VarBind(oid)).ToList(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETBULK (v2c/v3). A tooBig answer is retried with half the max-repetitions.</summary>
    public async Task<IReadOnlyList<VarBind>> GetBulkAsync(SnmpTarget target, int nonRepeaters, int maxRepetitions, IReadOnlyList<Oid> oids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(oids);
        if (target.Version == SnmpVersion.V1)
        {
            throw new ArgumentException("GETBULK does not exist in SNMPv1.", nameof(target));
        }

        List<VarBind> varBinds = oids.Select(oid => new VarBind(oid)).ToList();
        while (true)
        {
            SnmpPdu response = await RequestAsync(target, SnmpPdu.GetBulk(0, nonRepeaters, maxRepetitions, varBinds), cancellationToken).ConfigureAwait(false);
            if (response.ErrorStatus == SnmpErrorStatus.TooBig && maxRepetitions > 1)
            {
                maxRepetitions /= 2;
                continue;
            }

            ThrowOnError(response, varBinds);
            return response.VarBinds;
        }
    }

    /// <summary>SET. Not split on tooBig: a SET is applied all together or not at all.</summary>
    public async Task<IReadOnlyList<VarBind>> SetAsync(SnmpTarget target, IReadOnlyList<VarBind> varBinds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(varBinds);
        SnmpPdu response = await RequestAsync(target, new SnmpPdu(SnmpPduType.SetRequest, 0, varBinds), cancellationToken).ConfigureAwait(false);
        ThrowOnError(response, varBinds);
        return response.VarBinds;
    }

    /// <summary>
    /// Every instance under <paramref name="root"/> in order: GETBULK with <paramref name="maxRepetitions"/> in v2c/v3,
    /// GETNEXT in v1. Stops at the end of the subtree or of the MIB; an agent that goes backwards ends the walk with an error.
    /// </summary>
    public async IAsyncEnumerable<VarBind> WalkAsync(SnmpTarget target, Oid root, int maxRepetitions = 10,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(root);
        Oid current = root;
        while (true)
        {
            IReadOnlyList<VarBind> batch;
            if (target.Version == SnmpVersion.V1)
            {
                SnmpPdu response = await RequestAsync(target, new SnmpPdu(SnmpPduType.GetNextRequest, 0, [new VarBind(current)]), cancellationToken).ConfigureAwait(false);
                if (response.ErrorStatus == SnmpErrorStatus.NoSuchName)
                {
                    yield break; // v1's end of the MIB
                }

                ThrowOnError(response, [new VarBind(current)]);
                batch = response.VarBinds;
            }
            else
            {
                batch = await GetBulkAsync(target, 0, maxRepetitions, [current], cancellationToken).ConfigureAwait(false);
            }

            if (batch.Count == 0)
            {
                yield break;
            }

            foreach (VarBind varBind in batch)
            {
                if (varBind.Value.Type == SnmpValueType.EndOfMibView || !varBind.Oid.IsUnder(root))
                {
                    yield break;
                }

                if (varBind.Oid <= current)
                {
                    throw new SnmpException($"The agent returned {varBind.Oid} after {current}: OIDs must increase in a walk.");
                }

                current = varBind.Oid;
                yield return varBind;
            }
        }
    }

    /// <summary>SNMPv2-Trap (v2c/v3) or Trap-PDU (v1, converted per RFC 3584 section 3.2). Fire and forget.</summary>
    public async Task SendTrapAsync(SnmpTarget target, Oid trapOid, uint upTime, IReadOnlyList<VarBind> varBinds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(trapOid);
        ArgumentNullException.ThrowIfNull(varBinds);
        byte[] datagram;
        if (target.Version == SnmpVersion.V1)
        {
            SnmpPdu trap = SnmpPdu.CreateTrapV1(ToV1TrapFields(trapOid, upTime, target.EndPoint), varBinds);
            datagram = SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V1, target.Community, trap));
        }
        else
        {
            var pdu = new SnmpPdu(SnmpPduType.TrapV2, _exchange.NextId(), NotificationVarBinds(trapOid, upTime, varBinds));
            datagram = target.Version == SnmpVersion.V2c
                ? SnmpCodec.Encode(new CommunityMessage(SnmpVersion.V2c, target.Community, pdu))
                : Usm.Seal(_exchange.NextId(), SnmpEngine.DefaultMaxMessageSize, reportable: false, target.SecurityLevel,
                    new ScopedPdu(LocalEngine.EngineId, System.Text.Encoding.UTF8.GetBytes(target.ContextName), pdu),
                    target.User?.Name ?? "", target.User, LocalEngine.EngineId.Span, LocalEngine.Boots, LocalEngine.Time);
        }

        await _exchange.SendAsync(datagram, target.EndPoint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>InformRequest (v2c/v3); completes when the receiver acknowledges it, throws on timeout.</summary>
    public async Task InformAsync(SnmpTarget target, Oid trapOid, uint upTime, IReadOnlyList<VarBind> varBinds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Version == SnmpVersion.V1)
        {
            throw new ArgumentException("InformRequest does not exist in SNMPv1.", nameof(target));
        }

        SnmpPdu response = await RequestAsync(target, new SnmpPdu(SnmpPduType.InformRequest, 0, NotificationVarBinds(trapOid, upTime, varBinds)), cancellationToken)
            .ConfigureAwait(false);
        ThrowOnError(response, varBinds);
    }

    private static List<VarBind> NotificationVarBinds(Oid trapOid, uint upTime, IReadOnlyList<VarBind> varBinds) =>
        [new VarBind(SysUpTime, SnmpValue.TimeTicks(upTime)), new VarBind(SnmpTrapOid, SnmpValue.ObjectIdentifier(trapOid)), .. varBinds];

    /// <summary>RFC 3584 3.2: a standard trap (snmpTraps.N) becomes generic-trap N-1; otherwise enterprise.0.specific.</summary>
    internal static SnmpTrapV1Fields ToV1TrapFields(Oid trapOid, uint upTime, IPEndPoint destination)
    {
        Oid snmpTraps = Oid.Parse("1.3.6.1.6.3.1.1.5");
        IPAddress agentAddress = destination.Address.Equals(IPAddress.Loopback) ? IPAddress.Loopback : IPAddress.Any;
        if (trapOid.IsUnder(snmpTraps) && trapOid.Length == snmpTraps.Length + 1 && trapOid[^1] is >= 1 and <= 6)
        {
            return new SnmpTrapV1Fields(snmpTraps, agentAddress, (SnmpGenericTrap)(trapOid[^1] - 1), 0, upTime);
        }

        Oid enterprise = trapOid.Length >= 3 && trapOid[^2] == 0 ? trapOid.Prefix(trapOid.Length - 2) : trapOid.Prefix(trapOid.Length - 1);
        return new SnmpTrapV1Fields(enterprise, agentAddress, SnmpGenericTrap.EnterpriseSpecific, (int)trapOid[^1], upTime);
    }

    private async Task<IReadOnlyList<VarBind>> SplittingAsync(SnmpTarget target, SnmpPduType type, List<VarBind> varBinds, CancellationToken cancellationToken)
    {
        SnmpPdu response = await RequestAsync(target, new SnmpPdu(type, 0, varBinds), cancellationToken).ConfigureAwait(false);
        if (response.ErrorStatus == SnmpErrorStatus.TooBig && varBinds.Count > 1)
        {
            int half = varBinds.Count / 2;
            IReadOnlyList<VarBind> first = await SplittingAsync(target, type, varBinds[..half], cancellationToken).ConfigureAwait(false);
            IReadOnlyList<VarBind> second = await SplittingAsync(target, type, varBinds[half..], cancellationToken).ConfigureAwait(false);
            return [.. first, .. second];
        }

        ThrowOnError(response, varBinds);
        return response.VarBinds;
    }

    private static void ThrowOnError(SnmpPdu response, IReadOnlyList<VarBind> request)
    {
        if (response.ErrorStatus != SnmpErrorStatus.NoError)
        {
            Oid? failed = response.ErrorIndex >= 1 && response.ErrorIndex <= request.Count ? request[response.ErrorIndex - 1].Oid : null;
            throw new SnmpErrorStatusException(response.ErrorStatus, response.ErrorIndex, failed);
        }
    }

    // ---------------------------------------------------------------- request / response

    /// <summary>
    /// Sends one request PDU (its request id is replaced) and returns the response PDU, whatever its error-status.
    /// Throws <see cref="SnmpTimeoutException"/> after the retries and <see cref="SnmpSecurityException"/> on v3 failures.
    /// </summary>
    public async Task<SnmpPdu> RequestAsync(SnmpTarget target, SnmpPdu request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(request);
        return target.Version == SnmpVersion.V3
            ? await RequestV3Async(target, request, cancellationToken).ConfigureAwait(false)
            : await RequestCommunityAsync(target, request, cancellationToken).ConfigureAwait(false);
    }

    private async Task<SnmpPdu> RequestCommunityAsync(SnmpTarget target, SnmpPdu request, CancellationToken cancellationToken)
    {
        int requestId = _exchange.NextId();
        var sent = new CommunityMessage(target.Version, target.Community, request.WithRequestId(requestId));
        byte[] datagram = SnmpCodec.Encode(sent);
        SnmpMessage message = await _exchange.ExchangeAsync(target, requestId, () => datagram, cancellationToken).ConfigureAwait(false);
        if (message is CommunityMessage { Pdu.Type: SnmpPduType.Response } community
            && community.Version == target.Version
            && community.Community.Span.SequenceEqual(sent.Community.Span))
        {
            return community.Pdu;
        }

        throw new SnmpException($"{target.EndPoint} answered request {requestId} with a message that is not a {target.Version} Response for this community.");
    }

    private async Task<SnmpPdu> RequestV3Async(SnmpTarget target, SnmpPdu request, CancellationToken cancellationToken)
    {
        UsmUser user = target.User ?? throw new ArgumentException("A v3 target needs a user.", nameof(target));
        bool rediscovered = false;
        bool resynchronised = false;
        while (true)
        {
            byte[] engineId = await DiscoverEngineAsync(target, forceRefresh: false, cancellationToken).ConfigureAwait(false);
            int messageId = _exchange.NextId();
            SnmpPdu pdu = request.WithRequestId(messageId);
            var scope = new ScopedPdu(engineId, System.Text.Encoding.UTF8.GetBytes(target.ContextName), pdu);
            (SnmpMessage decoded, ReadOnlyMemory<byte> answer) = await _exchange.ExchangeWithBytesAsync(target, messageId, () =>
            {
                RemoteEngines.TryGet(engineId, out int boots, out int time);
                return Usm.Seal(messageId, SnmpEngine.DefaultMaxMessageSize, reportable: true, target.SecurityLevel, scope, user.Name, user, engineId, boots, time);
            }, cancellationToken).ConfigureAwait(false);

            if (decoded is not V3Message message)
            {
                throw new SnmpException($"{target.EndPoint} answered message {messageId} with a message that is not SNMPv3.");
            }

            // An authenticated Report (notInTimeWindow) is how the agent tells us its time, so it is exempt from our time check.
            UsmStatus status = Usm.Open(message, answer.Span, name => name == user.Name ? user : null,
                security => message.ScopedPdu?.Pdu.Type == SnmpPduType.Report || RemoteEngines.CheckAndUpdate(security),
                out ScopedPdu? scoped, out _);

            // Reports about discovery and timeliness come unauthenticated or authNoPriv; judge them on their own.
            if (scoped?.Pdu.Type == SnmpPduType.Report && scoped.Pdu.VarBinds.Count > 0)
            {
                UsmStatus reported = UsmStats.StatusFor(scoped.Pdu.VarBinds[0].Oid);
                if (reported == UsmStatus.NotInTimeWindow && status == UsmStatus.Ok && (message.Flags & SnmpV3Flags.Auth) != 0 && !resynchronised)
                {
                    RemoteEngines.Update(message.Security.EngineId.Span, message.Security.EngineBoots, message.Security.EngineTime);
                    resynchronised = true;
                    continue;
                }

                if (reported == UsmStatus.UnknownEngineId && !rediscovered)
                {
                    await DiscoverEngineAsync(target, forceRefresh: true, cancellationToken).ConfigureAwait(false);
                    rediscovered = true;
                    continue;
                }

                throw new SnmpSecurityException(reported, $"{target.EndPoint} refused the request: {Describe(reported, scoped.Pdu.VarBinds[0].Oid)} (user '{user.Name}').");
            }

            if (status != UsmStatus.Ok || scoped is null)
            {
                throw new SnmpSecurityException(status, $"The answer from {target.EndPoint} failed the USM checks: {status}.");
            }

            if (Usm.LevelOf(message.Flags) != target.SecurityLevel || !message.Security.EngineId.Span.SequenceEqual(engineId)
                || scoped.Pdu.Type != SnmpPduType.Response)
            {
                throw new SnmpSecurityException(UsmStatus.UnsupportedSecurityLevel,
                    $"The answer from {target.EndPoint} is not a Response at {target.SecurityLevel} from engine {Convert.ToHexString(engineId)}.");
            }

            return scoped.Pdu;
        }
    }

    private static string Describe(UsmStatus status, Oid oid) => status switch
    {
        UsmStatus.UnknownUserName => "unknown user name",
        UsmStatus.WrongDigest => "wrong digest (authentication password or protocol)",
        UsmStatus.DecryptionError => "decryption error (privacy password or protocol)",
        UsmStatus.UnsupportedSecurityLevel => "unsupported security level for this user",
        UsmStatus.NotInTimeWindow => "not in time window",
        UsmStatus.UnknownEngineId => "unknown engine id",
        _ => "report " + oid,
    };

    /// <summary>RFC 3414 section 4: a noAuthNoPriv, reportable, empty request draws a Report carrying the engine id, boots and time.</summary>
    public async Task<byte[]> DiscoverEngineAsync(SnmpTarget target, bool forceRefresh = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!forceRefresh && _engineIds.TryGetValue(target.EndPoint, out byte[]? known))
        {
            return known;
        }

        int messageId = _exchange.NextId();
        var probe = new ScopedPdu(default, default, new SnmpPdu(SnmpPduType.GetRequest, messageId, []));
        byte[] datagram = Usm.Seal(messageId, SnmpEngine.DefaultMaxMessageSize, reportable: true, SnmpSecurityLevel.NoAuthNoPriv, probe, "", null, default, 0, 0);
        SnmpMessage decoded = await _exchange.ExchangeAsync(target, messageId, () => datagram, cancellationToken).ConfigureAwait(false);
        if (decoded is not V3Message message || message.Security.EngineId.Length is < 5 or > 32)
        {
            throw new SnmpSecurityException(UsmStatus.UnknownEngineId, $"{target.EndPoint} did not answer engine discovery with an engine id.");
        }

        byte[] engineId = message.Security.EngineId.ToArray();
        RemoteEngines.Update(engineId, message.Security.EngineBoots, message.Security.EngineTime);
        _engineIds[target.EndPoint] = engineId;
        return engineId;
    }

    public ValueTask DisposeAsync() => _exchange.DisposeAsync();
}