namespace City.Protocols.MBus;

/// <summary>Names of the combinable (orthogonal) VIFEs of EN 13757-3 table 15 that qualify a value without changing it.</summary>
public static class MBusVifExtensions
{
    public static string Describe(int code) => code switch
    {
        0x20 => "per second",
        0x21 => "per minute",
        0x22 => "per hour",
        0x23 => "per day",
        0x24 => "per week",
        0x25 => "per month",
        0x26 => "per year",
        0x27 => "per revolution / measurement",
        0x28 => "increment per input pulse on input channel 0",
        0x29 => "increment per input pulse on input channel 1",
        0x2A => "increment per output pulse on output channel 0",
        0x2B => "increment per output pulse on output channel 1",
        0x2C => "per litre",
        0x2D => "per m3",
        0x2E => "per kg",
        0x2F => "per K",
        0x30 => "per kWh",
        0x31 => "per GJ",
        0x32 => "per kW",
        0x33 => "per K*l",
        0x34 => "per V",
        0x35 => "per A",
        0x36 => "multiplied by s",
        0x37 => "multiplied by s/V",
        0x38 => "multiplied by s/A",
        0x39 => "start date(/time) of",
        0x3A => "uncorrected unit",
        0x3B => "accumulation only if positive contributions",
        0x3C => "accumulation of abs value only if negative contributions",
        0x40 => "lower limit value",
        0x48 => "upper limit value",
        0x41 => "number of exceeds of lower limit",
        0x49 => "number of exceeds of upper limit",
        >= 0x42 and <= 0x47 or >= 0x4A and <= 0x4F => "date of limit exceed",
        >= 0x50 and <= 0x5F => "duration of limit exceed",
        >= 0x60 and <= 0x6F => "duration / date of a condition",
        >= 0x78 and <= 0x7B => "additive correction constant",
        0x7E => "future value",
        _ => $"VIFE 0x{code:X2}",
    };
}
