using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace City.Protocols.Snmp;

/// <summary>
/// The local SNMP engine in its authoritative role (an agent, or a receiver of informs): engine id, boots and time,
/// the USM user table and the usmStats counters; checks incoming v3 messages and builds the Reports RFC 3414 asks for.
/// </summary>
public sealed class SnmpEngine
{
    public const int DefaultMaxMessageSize = 65507;

    private readonly ConcurrentDictionary<string, UsmUser> _users = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly long _startTimestamp;
    private readonly long[] _usmStats = new long[7];
    private int _nextMessageId = RandomNumberGenerator.GetInt32(1, int.MaxValue / 2);

    public SnmpEngine(ReadOnlyMemory<byte> engineId = default, int boots = 1, TimeProvider? timeProvider = null)
    {
        EngineId = engineId.IsEmpty ? CreateEngineId() : engineId.ToArray();
        if (EngineId.Length is < 5 or > 32)
        {
            throw new ArgumentException("An snmpEngineID is 5 to 32 bytes (RFC 3411).", nameof(engineId));
        }

        Boots = boots;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _startTimestamp = _timeProvider.GetTimestamp();
    }

    public ReadOnlyMemory<byte> EngineId { get; }

    public int Boots { get; }

    /// <summary>snmpEngineTime: seconds since this engine started.</summary>
    public int Time => (int)Math.Min(int.MaxValue, (long)_timeProvider.GetElapsedTime(_startTimestamp).TotalSeconds);

    public TimeProvider TimeProvider => _timeProvider;

    /// <summary>RFC 3411 format: enterprise bit set, format 5 (octets), 8 random bytes. Enterprise 0 (none registered).</summary>
    public static byte[] CreateEngineId()
    {
        byte[] id = new byte[13];
        id[0] = 0x80;
        id[4] = 0x05;
        RandomNumberGenerator.Fill(id.AsSpan(5));
        return id;
    }

    public void AddUser(UsmUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        _users[user.Name] = user;
    }

    public UsmUser? FindUser(string name) => _users.TryGetValue(name, out UsmUser? user) ? user : null;

    public long StatCount(UsmStatus status) => _usmStats[(int)status];

    internal int NextMessageId() => Interlocked.Increment(ref _nextMessageId) & int.MaxValue;

    /// <summary>The authoritative checks of RFC 3414 section 3.2 on an incoming message; counts failures in usmStats.</summary>
    public UsmStatus ProcessIncoming(V3Message message, ReadOnlySpan<byte> rawMessage, out ScopedPdu? scopedPdu, out UsmUser? user)
    {
        ArgumentNullException.ThrowIfNull(message);
        scopedPdu = null;
        user = null;
        UsmStatus status;
        if (!message.Security.EngineId.Span.SequenceEqual(EngineId.Span))
        {
            status = UsmStatus.UnknownEngineId;
        }
        else
        {
            status = Usm.Open(message, rawMessage, FindUser, IsInTimeWindow, out scopedPdu, out user);
            if (status == UsmStatus.Ok && user is null)
            {
                // The empty user only asks for discovery; with our engine id it gets no access.
                scopedPdu = null;
                status = UsmStatus.UnknownUserName;
            }
        }

        if (status != UsmStatus.Ok)
        {
            Interlocked.Increment(ref _usmStats[(int)status]);
        }

        return status;
    }

    private bool IsInTimeWindow(UsmSecurityParameters security) =>
        Boots != int.MaxValue && security.EngineBoots == Boots && Math.Abs((long)security.EngineTime - Time) <= Usm.TimeWindowSeconds;

    /// <summary>
    /// The Report for a failed incoming message, or null when the sender did not set the reportable flag. Reports are
    /// unauthenticated except notInTimeWindow, which is authenticated so the sender can trust the boots and time in it.
    /// </summary>
    public byte[]? BuildReport(V3Message request, UsmStatus status, UsmUser? user)
    {
        ArgumentNullException.ThrowIfNull(request);
        Oid? oid = UsmStats.OidFor(status);
        if (oid is null || (request.Flags & SnmpV3Flags.Reportable) == 0)
        {
            return null;
        }

        int requestId = request.ScopedPdu?.Pdu.RequestId ?? 0;
        var report = new SnmpPdu(SnmpPduType.Report, requestId, [new VarBind(oid, SnmpValue.Counter32((uint)StatCount(status)))]);
        SnmpSecurityLevel level = status == UsmStatus.NotInTimeWindow && user is not null
            ? SnmpSecurityLevel.AuthNoPriv
            : SnmpSecurityLevel.NoAuthNoPriv;
        return Usm.Seal(request.MessageId, DefaultMaxMessageSize, reportable: false, level,
            new ScopedPdu(EngineId, ReadOnlyMemory<byte>.Empty, report), request.Security.UserNameText, user, EngineId.Span, Boots, Time);
    }

    /// <summary>Seals a response (or Report made by an application) to a request this engine authorised.</summary>
    public byte[] SealResponse(V3Message request, ScopedPdu requestScope, SnmpPdu response, UsmUser? user)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(requestScope);
        SnmpSecurityLevel level = Usm.LevelOf(request.Flags);
        return Usm.Seal(request.MessageId, DefaultMaxMessageSize, reportable: false, level,
            new ScopedPdu(requestScope.ContextEngineId, requestScope.ContextName, response), request.Security.UserNameText, user,
            EngineId.Span, Boots, Time);
    }
}

/// <summary>
/// What a non-authoritative engine (a manager, a trap receiver) knows about remote authoritative engines: their boots
/// and time as last seen, so requests carry a current time and stale messages are refused (RFC 3414 section 3.2 step 7b).
/// </summary>
public sealed class SnmpRemoteEngines
{
    private readonly ConcurrentDictionary<string, Entry> _engines = new();
    private readonly TimeProvider _timeProvider;

    public SnmpRemoteEngines(TimeProvider? timeProvider = null) => _timeProvider = timeProvider ?? TimeProvider.System;

    private sealed record Entry(int Boots, int Time, long LocalTimestamp, int LatestReceivedTime);

    /// <summary>Records boots/time from a message whose authenticity is established (or from discovery).</summary>
    public void Update(ReadOnlySpan<byte> engineId, int boots, int time)
    {
        string key = Convert.ToHexString(engineId);
        _engines[key] = new Entry(boots, time, _timeProvider.GetTimestamp(), time);
    }

    /// <summary>The remote engine's boots and its time now, extrapolated from the last sighting.</summary>
    public bool TryGet(ReadOnlySpan<byte> engineId, out int boots, out int time)
    {
        if (_engines.TryGetValue(Convert.ToHexString(engineId), out Entry? entry))
        {
            boots = entry.Boots;
            long elapsed = (long)_timeProvider.GetElapsedTime(entry.LocalTimestamp).TotalSeconds;
            time = (int)Math.Min(int.MaxValue, entry.Time + elapsed);
            return true;
        }

        boots = 0;
        time = 0;
        return false;
    }

    /// <summary>
    /// RFC 3414 3.2 step 7b on an authenticated message: adopts a newer boots/time, refuses an older one. An engine seen
    /// for the first time is adopted (a trap receiver learns senders from their traps).
    /// </summary>
    public bool CheckAndUpdate(UsmSecurityParameters security)
    {
        ArgumentNullException.ThrowIfNull(security);
        string key = Convert.ToHexString(security.EngineId.Span);
        if (security.EngineBoots == int.MaxValue)
        {
            return false;
        }

        if (!_engines.TryGetValue(key, out Entry? entry))
        {
            _engines[key] = new Entry(security.EngineBoots, security.EngineTime, _timeProvider.GetTimestamp(), security.EngineTime);
            return true;
        }

        if (security.EngineBoots > entry.Boots || (security.EngineBoots == entry.Boots && security.EngineTime > entry.LatestReceivedTime))
        {
            _engines[key] = new Entry(security.EngineBoots, security.EngineTime, _timeProvider.GetTimestamp(), security.EngineTime);
            return true;
        }

        if (security.EngineBoots < entry.Boots)
        {
            return false;
        }

        TryGet(security.EngineId.Span, out _, out int estimated);
        return security.EngineTime >= estimated - Usm.TimeWindowSeconds;
    }
}
