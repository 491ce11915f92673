using City.Edge.Configuration;
using static City.Edge.Configuration.ConfigSchema;

namespace City.Edge.MBus;

/// <summary>The M-Bus keys of the "Edge" section and their types (<see cref="MBusLineOptions"/>, <see cref="MBusDeviceOptions"/> and <see cref="MBusPointOptions"/> mirror them).</summary>
internal static class MBusConfigSchema
{
    public static ConfigSchema MBusLine { get; } = new(
        Text("Name"),
        Text("Port"),
        Integer("BaudRate", 300, 38_400),
        Text("Parity"),
        Integer("AnswerMarginMs", 0, 5_000),
        Integer("Retries", 0, 10));

    public static ProtocolConfigKeys Keys { get; } = new(
        [List("MBusLines", MBusLine)],
        [Text("Line"), Integer("PrimaryAddress", 0, 250), Text("SecondaryAddress")],
        [Text("Quantity"), Integer("Storage", 0, 1_000_000), Integer("Tariff", 0, 1_000), Integer("Subunit", 0, 1_000), Text("Function"), Number("Scale")]);
}

/// <summary>Edge:MBusLines:N: one M-Bus line (a level converter on a serial port), shared by the meters whose Line names it.</summary>
internal sealed class MBusLineOptions
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Serial port, e.g. /dev/ttyUSB1.</summary>
    public string Port { get; set; } = string.Empty;

    public int BaudRate { get; set; } = 2400;

    /// <summary>even (8E1, the standard's) or none (8N1, for links without parity).</summary>
    public string Parity { get; set; } = "even";

    /// <summary>Wait on top of 330 bit times before a meter counts as silent.</summary>
    public int AnswerMarginMs { get; set; } = 50;

    /// <summary>Repeats of a request after silence or a garbled answer.</summary>
    public int Retries { get; set; } = 2;
}

/// <summary>An Edge:Devices entry with Protocol mbus: one meter on a line, by primary or by secondary address.</summary>
internal sealed class MBusDeviceOptions
{
    public string Name { get; set; } = string.Empty;

    public string Protocol { get; set; } = string.Empty;

    public bool Enabled { get; set; } = true;

    public string? Line { get; set; }

    public int? PrimaryAddress { get; set; }

    public string? SecondaryAddress { get; set; }

    public List<MBusPointOptions> Points { get; set; } = [];
}

/// <summary>A point of a meter: the record it takes (quantity, storage, tariff, subunit, function).</summary>
internal sealed class MBusPointOptions
{
    public string Name { get; set; } = string.Empty;

    public string? Quantity { get; set; }

    public int Storage { get; set; }

    public int Tariff { get; set; }

    public int Subunit { get; set; }

    public string Function { get; set; } = "instantaneous";

    public double Scale { get; set; } = 1;

    public string? Unit { get; set; }

    /// <summary>Meters are read-only: true is refused.</summary>
    public bool Writable { get; set; }

    public int PeriodMs { get; set; } = 60_000;

    public string Description { get; set; } = string.Empty;
}
