using City.Edge.Configuration;

namespace City.Edge.Snmp;

// The SNMP keys of the "Edge" section, bound by the SNMP driver.

/// <summary>An snmp entry of Edge:Devices.</summary>
internal sealed class SnmpDeviceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = "modbus-tcp";

    /// <summary>A disabled device is not polled at all; its points stay in the catalogue.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>modbus-tcp only.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>modbus-tcp only (default 502); null when not set, so that an RTU device setting it can be reported.</summary>
    public int? Port { get; set; }

    /// <summary>modbus-tcp only (default 1000); an RTU device uses its line's TimeoutMs.</summary>
    public int? TimeoutMs { get; set; }

    /// <summary>Requests repeated after a timeout or a garbled answer (not after an exception answer).</summary>
    public int Retries { get; set; }

    /// <summary>A built-in point map (sdm630, traffic-controller); the device's own Points are added to it.</summary>
    public string? Profile { get; set; }

    /// <summary>snmp only: 3 (default), 2c or 1.</summary>
    public string? Version { get; set; }

    /// <summary>snmp v1/v2c only.</summary>
    public string? Community { get; set; }

    /// <summary>snmp v3 only: the USM user name.</summary>
    public string? User { get; set; }

    /// <summary>snmp v3 only: noAuthNoPriv, authNoPriv or authPriv (default: the most the user's protocols allow).</summary>
    public string? SecurityLevel { get; set; }

    /// <summary>snmp v3 only: MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512.</summary>
    public string? AuthProtocol { get; set; }

    /// <summary>snmp v3 only; never logged.</summary>
    public string? AuthPassword { get; set; }

    /// <summary>snmp v3 only: AES.</summary>
    public string? PrivProtocol { get; set; }

    /// <summary>snmp v3 only; never logged.</summary>
    public string? PrivPassword { get; set; }

    /// <summary>snmp only: max-repetitions of the GETBULK requests of a table walk (default 10).</summary>
    public int? MaxRepetitions { get; set; }

    public List<SnmpPointOptions> Points { get; set; } = [];
}

/// <summary>A point of an SNMP device (Edge:Devices:N:Points:M, or of a profile).</summary>
internal sealed class SnmpPointOptions : PointOptions
{
    /// <summary>snmp only: the object's OID; a scalar instance (ending .0) or, with Rows, a table column (walked).</summary>
    public string? Oid { get; set; }

    /// <summary>snmp only: the OID is a table column; one point per row 1..Rows (ids device/point/row).</summary>
    public int? Rows { get; set; }

    /// <summary>snmp only: a change of this bool point (set / cleared) is also sent as an event.</summary>
    public bool Alarm { get; set; }

    /// <summary>Default uint16 in the register tables, bool in the bit tables.</summary>
    public string? DataType { get; set; }

    /// <summary>value = raw x Scale + Offset (numbers only; default 1).</summary>
    public double? Scale { get; set; }

    /// <summary>Added after scaling (numbers only; default 0).</summary>
    public double? Offset { get; set; }

    /// <summary>0-based bit of an integer value: the point becomes a bool (alarm words).</summary>
    public int? Bit { get; set; }
}

/// <summary>Edge:Snmp.</summary>
internal sealed class SnmpEdgeOptions
{
    /// <summary>host:port of the trap/inform listener (e.g. 127.0.0.1:10162); empty = no listener.</summary>
    public string TrapListen { get; set; } = string.Empty;
}
