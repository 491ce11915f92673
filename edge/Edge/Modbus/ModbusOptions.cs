using City.Edge.Configuration;

namespace City.Edge.Modbus;

// The Modbus keys of the "Edge" section, bound by the Modbus driver. Numbers are plain ints so that out-of-range values reach
// the validator (and get a message naming the key) instead of failing inside the binder.

/// <summary>A modbus-tcp or modbus-rtu entry of Edge:Devices.</summary>
internal sealed class ModbusDeviceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = "modbus-tcp";

    /// <summary>A disabled device is not polled at all; its points stay in the catalogue.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>modbus-tcp only.</summary>
    public string Host { get; set; } = string.Empty;

    /// <summary>modbus-tcp only (default 502); null when not set, so that an RTU device setting it can be reported.</summary>
    public int? Port { get; set; }

    /// <summary>modbus-rtu only: the name of an entry of Edge:SerialLines.</summary>
    public string? Line { get; set; }

    public int UnitId { get; set; } = 1;

    /// <summary>modbus-tcp only (default 1000); an RTU device uses its line's TimeoutMs.</summary>
    public int? TimeoutMs { get; set; }

    /// <summary>A built-in point map (sdm630, traffic-controller); the device's own Points are added to it.</summary>
    public string? Profile { get; set; }

    /// <summary>1-125: registers one read request may ask for.</summary>
    public int MaxRegistersPerRequest { get; set; } = 125;

    /// <summary>1-2000: coils or discrete inputs one read request may ask for.</summary>
    public int MaxBitsPerRequest { get; set; } = 2000;

    /// <summary>Unused registers a request may read to bridge a hole between points (x 16 bits in the bit tables).</summary>
    public int MaxInsert { get; set; } = 50;

    /// <summary>Wait after opening the connection before the first request (slow devices).</summary>
    public int PauseAfterConnectMs { get; set; }

    /// <summary>This device's own spacing between the end of one request and the start of its next.</summary>
    public int PauseBetweenRequestsMs { get; set; }

    /// <summary>Requests repeated after a timeout or a garbled answer (not after an exception answer).</summary>
    public int Retries { get; set; }

    public List<ModbusPointOptions> Points { get; set; } = [];
}

/// <summary>A point of a Modbus device (Edge:Devices:N:Points:M, or of a profile).</summary>
internal sealed class ModbusPointOptions : PointOptions
{
    public int Register { get; set; } = -1;

    /// <summary>input, holding, coil or discrete.</summary>
    public string Table { get; set; } = "holding";

    /// <summary>Default uint16 in the register tables, bool in the bit tables.</summary>
    public string? DataType { get; set; }

    public string WordOrder { get; set; } = "ABCD";

    /// <summary>value = raw x Scale + Offset (numbers only; default 1).</summary>
    public double? Scale { get; set; }

    /// <summary>Added after scaling (numbers only; default 0).</summary>
    public double? Offset { get; set; }

    /// <summary>0-based bit of an integer value: the point becomes a bool (alarm words).</summary>
    public int? Bit { get; set; }

    /// <summary>Registers of a string point (two ASCII characters each).</summary>
    public int? Length { get; set; }
}

/// <summary>One serial line (RS-485) polled by one Modbus RTU master, shared by every device whose Line names it.</summary>
internal sealed class SerialLineOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Serial port, e.g. /dev/ttyUSB0.</summary>
    public string Port { get; set; } = string.Empty;

    public int BaudRate { get; set; } = 19200;

    /// <summary>even, odd or none.</summary>
    public string Parity { get; set; } = "even";

    public int DataBits { get; set; } = 8;

    /// <summary>1 or 2.</summary>
    public int StopBits { get; set; } = 1;

    /// <summary>How long one slave may take to answer one request; a silent slave costs this much per request.</summary>
    public int TimeoutMs { get; set; } = 500;

    /// <summary>auto (termios on Linux at a standard baud rate, else System.IO.Ports), termios or portable.</summary>
    public string Transport { get; set; } = "auto";
}
