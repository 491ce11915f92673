using City.Edge.Configuration;

namespace City.Edge.Snmp;

// The SNMP keys of the "Edge" section, bound by the SNMP driver.

/// <summary>An snmp entry of Edge:Devices: the shared SNMP keys, a profile, the walk size and the points.</summary>
internal sealed class SnmpDeviceOptions : SnmpEndpointOptions
{
    /// <summary>A built-in point map (ntcip1202); the device's own Points are added to it.</summary>
    public string? Profile { get; set; }

    /// <summary>max-repetitions of the GETBULK requests of a table walk (default 10).</summary>
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
