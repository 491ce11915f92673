namespace City.Protocols.MBus;

/// <summary>
/// The value information field tables of EN 13757-3: the primary VIFs (table 10), the first extension table after 0xFD
/// (table 14) and the second after 0xFB (table 12). Each maps the 7 code bits (the extension bit masked off) to a quantity
/// with its SI unit and the multiplier to apply; durations are given in seconds.
/// </summary>
public static class MBusVif
{
    public const byte PlainText = 0x7C;
    public const byte ExtensionFd = 0x7D;
    public const byte ExtensionFb = 0x7B;
    public const byte AnyVif = 0x7E;
    public const byte ManufacturerSpecific = 0x7F;

    /// <summary>A primary VIF (table 10); 0x7B, 0x7C, 0x7D and 0x7F are resolved by the record parser.</summary>
    public static MBusQuantity Primary(byte vif)
    {
        int code = vif & 0x7F;
        int n3 = code & 7;
        int n2 = code & 3;
        return code switch
        {
            <= 0x07 => MBusQuantity.Scaled("Energy", "Wh", n3 - 3),
            <= 0x0F => MBusQuantity.Scaled("Energy", "J", n3),
            <= 0x17 => MBusQuantity.Scaled("Volume", "m3", n3 - 6),
            <= 0x1F => MBusQuantity.Scaled("Mass", "kg", n3 - 3),
            <= 0x23 => MBusQuantity.Duration("On time", code),
            <= 0x27 => MBusQuantity.Duration("Operating time", code),
            <= 0x2F => MBusQuantity.Scaled("Power", "W", n3 - 3),
            <= 0x37 => MBusQuantity.Scaled("Power", "J/h", n3),
            <= 0x3F => MBusQuantity.Scaled("Volume flow", "m3/h", n3 - 6),
            <= 0x47 => MBusQuantity.Scaled("Volume flow", "m3/min", n3 - 7),
            <= 0x4F => MBusQuantity.Scaled("Volume flow", "m3/s", n3 - 9),
            <= 0x57 => MBusQuantity.Scaled("Mass flow", "kg/h", n3 - 3),
            <= 0x5B => MBusQuantity.Scaled("Flow temperature", "°C", n2 - 3),
            <= 0x5F => MBusQuantity.Scaled("Return temperature", "°C", n2 - 3),
            <= 0x63 => MBusQuantity.Scaled("Temperature difference", "K", n2 - 3),
            <= 0x67 => MBusQuantity.Scaled("External temperature", "°C", n2 - 3),
            <= 0x6B => MBusQuantity.Scaled("Pressure", "bar", n2 - 3),
            0x6C => new MBusQuantity("Time point (date)", "", 1, MBusQuantityKind.Date),
            0x6D => new MBusQuantity("Time point (date & time)", "", 1, MBusQuantityKind.DateTime),
            0x6E => new MBusQuantity("H.C.A.", "", 1),
            0x6F => MBusQuantity.Unknown("", (byte)code),
            <= 0x73 => MBusQuantity.Duration("Averaging duration", code),
            <= 0x77 => MBusQuantity.Duration("Actuality duration", code),
            0x78 => new MBusQuantity("Fabrication No", "", 1, MBusQuantityKind.Identifier),
            0x79 => new MBusQuantity("(Enhanced) Identification", "", 1, MBusQuantityKind.Identifier),
            0x7A => new MBusQuantity("Bus address", "", 1, MBusQuantityKind.Identifier),
            0x7E => new MBusQuantity("Any VIF", "", 1),
            0x7F => new MBusQuantity("Manufacturer specific", "", 1, MBusQuantityKind.ManufacturerSpecific),
            _ => MBusQuantity.Unknown("", (byte)code),
        };
    }

    /// <summary>A VIF of the first extension table (after 0xFD, table 14).</summary>
    public static MBusQuantity ExtensionTableFd(byte vife)
    {
        int code = vife & 0x7F;
        return code switch
        {
            <= 0x03 => MBusQuantity.Scaled("Credit", "currency units", (code & 3) - 3),
            <= 0x07 => MBusQuantity.Scaled("Debit", "currency units", (code & 3) - 3),
            0x08 => Id("Access number (transmission count)"),
            0x09 => Id("Medium"),
            0x0A => Id("Manufacturer"),
            0x0B => Id("Parameter set identification"),
            0x0C => Id("Model / Version"),
            0x0D => Id("Hardware version"),
            0x0E => Id("Firmware version"),
            0x0F => Id("Software version"),
            0x10 => Id("Customer location"),
            0x11 => Id("Customer"),
            0x12 => Id("Access code user"),
            0x13 => Id("Access code operator"),
            0x14 => Id("Access code system operator"),
            0x15 => Id("Access code developer"),
            0x16 => Id("Password"),
            0x17 => new MBusQuantity("Error flags", "", 1, MBusQuantityKind.Bits),
            0x18 => new MBusQuantity("Error mask", "", 1, MBusQuantityKind.Bits),
            0x1A => new MBusQuantity("Digital output", "", 1, MBusQuantityKind.Bits),
            0x1B => new MBusQuantity("Digital input", "", 1, MBusQuantityKind.Bits),
            0x1C => new MBusQuantity("Baud rate", "Bd", 1),
            0x1D => new MBusQuantity("Response delay time", "bit times", 1),
            0x1E => new MBusQuantity("Retry", "", 1),
            0x20 => new MBusQuantity("First storage number for cyclic storage", "", 1),
            0x21 => new MBusQuantity("Last storage number for cyclic storage", "", 1),
            0x22 => new MBusQuantity("Size of storage block", "", 1),
            <= 0x27 and >= 0x24 => MBusQuantity.Duration("Storage interval", code),
            0x28 => new MBusQuantity("Storage interval", "months", 1),
            0x29 => new MBusQuantity("Storage interval", "years", 1),
            <= 0x2F and >= 0x2C => MBusQuantity.Duration("Duration since last readout", code),
            0x30 => new MBusQuantity("Start of tariff", "", 1, MBusQuantityKind.DateTime),
            <= 0x33 and >= 0x31 => MBusQuantity.Duration("Duration of tariff", code),
            <= 0x37 and >= 0x34 => MBusQuantity.Duration("Period of tariff", code),
            0x38 => new MBusQuantity("Period of tariff", "months", 1),
            0x39 => new MBusQuantity("Period of tariff", "years", 1),
            0x3A => new MBusQuantity("Dimensionless", "", 1),
            <= 0x4F and >= 0x40 => MBusQuantity.Scaled("Voltage", "V", (code & 0xF) - 9),
            <= 0x5F and >= 0x50 => MBusQuantity.Scaled("Current", "A", (code & 0xF) - 12),
            0x60 => new MBusQuantity("Reset counter", "", 1),
            0x61 => new MBusQuantity("Cumulation counter", "", 1),
            0x62 => new MBusQuantity("Control signal", "", 1, MBusQuantityKind.Bits),
            0x63 => new MBusQuantity("Day of week", "", 1),
            0x64 => new MBusQuantity("Week number", "", 1),
            0x65 => new MBusQuantity("Time point of day change", "", 1),
            0x66 => new MBusQuantity("State of parameter activation", "", 1, MBusQuantityKind.Bits),
            0x67 => new MBusQuantity("Special supplier information", "", 1, MBusQuantityKind.Bits),
            <= 0x6B and >= 0x68 => new MBusQuantity("Duration since last cumulation", (code & 3) switch { 0 => "h", 1 => "d", 2 => "months", _ => "years" }, 1),
            <= 0x6F and >= 0x6C => new MBusQuantity("Operating time battery", (code & 3) switch { 0 => "h", 1 => "d", 2 => "months", _ => "years" }, 1),
            0x70 => new MBusQuantity("Date and time of battery change", "", 1, MBusQuantityKind.DateTime),
            _ => MBusQuantity.Unknown("FD", (byte)code),
        };
    }

    /// <summary>A VIF of the second extension table (after 0xFB, table 12).</summary>
    public static MBusQuantity ExtensionTableFb(byte vife)
    {
        int code = vife & 0x7F;
        int n1 = code & 1;
        int n2 = code & 3;
        return code switch
        {
            <= 0x01 => MBusQuantity.Scaled("Energy", "Wh", n1 - 1 + 6),
            <= 0x09 and >= 0x08 => MBusQuantity.Scaled("Energy", "J", n1 - 1 + 9),
            <= 0x11 and >= 0x10 => MBusQuantity.Scaled("Volume", "m3", n1 + 2),
            <= 0x19 and >= 0x18 => MBusQuantity.Scaled("Mass", "kg", n1 + 2 + 3),
            0x21 => MBusQuantity.Scaled("Volume", "ft3", -1),
            0x22 => MBusQuantity.Scaled("Volume", "US gal", -1),
            0x23 => new MBusQuantity("Volume", "US gal", 1),
            0x24 => MBusQuantity.Scaled("Volume flow", "US gal/min", -3),
            0x25 => new MBusQuantity("Volume flow", "US gal/min", 1),
            0x26 => new MBusQuantity("Volume flow", "US gal/h", 1),
            <= 0x29 and >= 0x28 => MBusQuantity.Scaled("Power", "W", n1 - 1 + 6),
            <= 0x31 and >= 0x30 => MBusQuantity.Scaled("Power", "J/h", n1 - 1 + 9),
            <= 0x5B and >= 0x58 => MBusQuantity.Scaled("Flow temperature", "°F", n2 - 3),
            <= 0x5F and >= 0x5C => MBusQuantity.Scaled("Return temperature", "°F", n2 - 3),
            <= 0x63 and >= 0x60 => MBusQuantity.Scaled("Temperature difference", "°F", n2 - 3),
            <= 0x67 and >= 0x64 => MBusQuantity.Scaled("External temperature", "°F", n2 - 3),
            <= 0x73 and >= 0x70 => MBusQuantity.Scaled("Cold / warm temperature limit", "°F", n2 - 3),
            <= 0x77 and >= 0x74 => MBusQuantity.Scaled("Cold / warm temperature limit", "°C", n2 - 3),
            >= 0x78 => MBusQuantity.Scaled("Cumulative count max power", "W", (code & 7) - 3),
            _ => MBusQuantity.Unknown("FB", (byte)code),
        };
    }

    private static MBusQuantity Id(string name) => new(name, "", 1, MBusQuantityKind.Identifier);
}
