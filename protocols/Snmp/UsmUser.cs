using System.Collections.Concurrent;

namespace City.Protocols.Snmp;

public enum SnmpSecurityLevel
{
    NoAuthNoPriv,
    AuthNoPriv,
    AuthPriv,
}

/// <summary>Keys of one user localized to one engine id (RFC 3414 section 2.6).</summary>
public sealed record UsmLocalizedKeys(byte[] AuthKey, byte[] PrivKey);

/// <summary>
/// An SNMPv3 USM user with its passwords turned into keys once (password-to-key is a 1 MiB hash) and localized per
/// engine id on demand.
/// </summary>
public sealed class UsmUser
{
    private const int MaxCachedEngines = 256;
    private readonly byte[] _authKu;
    private readonly byte[] _privKu;
    private readonly ConcurrentDictionary<string, UsmLocalizedKeys> _localized = new();
    private LastEngine? _lastEngine;

    private sealed record LastEngine(byte[] EngineId, UsmLocalizedKeys Keys);

    public UsmUser(string name, SnmpAuthProtocol authProtocol = SnmpAuthProtocol.None, string? authPassword = null,
        SnmpPrivProtocol privProtocol = SnmpPrivProtocol.None, string? privPassword = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (privProtocol != SnmpPrivProtocol.None && authProtocol == SnmpAuthProtocol.None)
        {
            throw new ArgumentException("Privacy needs authentication (USM has no noAuthPriv level).", nameof(privProtocol));
        }

        if (authProtocol != SnmpAuthProtocol.None && (authPassword is null || authPassword.Length < 8))
        {
            throw new ArgumentException("An authentication password has at least 8 characters (RFC 3414 11.2).", nameof(authPassword));
        }

        if (privProtocol != SnmpPrivProtocol.None && (privPassword is null || privPassword.Length < 8))
        {
            throw new ArgumentException("A privacy password has at least 8 characters.", nameof(privPassword));
        }

        Name = name;
        AuthProtocol = authProtocol;
        PrivProtocol = privProtocol;
        _authKu = authProtocol == SnmpAuthProtocol.None ? [] : UsmCrypto.PasswordToKey(authProtocol, authPassword!);
        _privKu = privProtocol == SnmpPrivProtocol.None ? [] : UsmCrypto.PasswordToKey(authProtocol, privPassword!);
    }

    public string Name { get; }

    public SnmpAuthProtocol AuthProtocol { get; }

    public SnmpPrivProtocol PrivProtocol { get; }

    /// <summary>The highest level this user supports.</summary>
    public SnmpSecurityLevel MaxLevel => PrivProtocol != SnmpPrivProtocol.None ? SnmpSecurityLevel.AuthPriv
        : AuthProtocol != SnmpAuthProtocol.None ? SnmpSecurityLevel.AuthNoPriv
        : SnmpSecurityLevel.NoAuthNoPriv;

    public UsmLocalizedKeys KeysFor(ReadOnlySpan<byte> engineId)
    {
        // A manager talks to the same engine request after request: check the last one before building the hex key.
        LastEngine? last = Volatile.Read(ref _lastEngine);
        if (last is not null && engineId.SequenceEqual(last.EngineId))
        {
            return last.Keys;
        }

        string key = Convert.ToHexString(engineId);
        if (_localized.TryGetValue(key, out UsmLocalizedKeys? keys))
        {
            Volatile.Write(ref _lastEngine, new LastEngine(engineId.ToArray(), keys));
            return keys;
        }

        keys = new UsmLocalizedKeys(
            AuthProtocol == SnmpAuthProtocol.None ? [] : UsmCrypto.LocalizeKey(AuthProtocol, _authKu, engineId),
            PrivProtocol == SnmpPrivProtocol.None ? [] : UsmCrypto.LocalizeKey(AuthProtocol, _privKu, engineId));
        if (_localized.Count >= MaxCachedEngines)
        {
            _localized.Clear();
        }

        _localized[key] = keys;
        Volatile.Write(ref _lastEngine, new LastEngine(engineId.ToArray(), keys));
        return keys;
    }
}
