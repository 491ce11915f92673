using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml.Linq;
using City.Protocols.MBus;

namespace City.MBus.Tests;

/// <summary>
/// The test frames of libmbus (github.com/rscada/libmbus, test/test-frames, commit f09d613b): each *.hex is an RSP_UD as a
/// meter sent it, each *.norm.xml what libmbus's mbus_parse_hex -n prints for it (values with the multiplier applied).
/// Compares our decoding with that output record by record and lists every difference.
/// </summary>
internal static class LibmbusCorpus
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Vectors", "libmbus");

    public static IEnumerable<string> FrameNames() =>
        System.IO.Directory.GetFiles(Directory, "*.hex").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal);

    public static byte[] Frame(string name) => Hex.Parse(File.ReadAllText(Path.Combine(Directory, name + ".hex")));

    /// <summary>Every difference between our decoding and libmbus's normalized XML, as "record N: what" lines.</summary>
    public static List<string> Compare(string name, out int recordsCompared)
    {
        recordsCompared = 0;
        var differences = new List<string>();
        byte[] bytes = Frame(name);
        if (MBusFraming.TryRead(bytes, out MBusFrame frame, out _, out MBusFrameError frameError) != OperationStatus.Done)
        {
            differences.Add($"frame: not read ({frameError})");
            return differences;
        }

        if (!MBusVariableData.TryDecode(frame, out MBusTelegram? telegram, out string error))
        {
            differences.Add($"telegram: not decoded ({error})");
            return differences;
        }

        // The files declare ISO-8859-1 but hold UTF-8 (the degree sign is C2 B0): read them as the bytes are.
        var xml = XDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".norm.xml"), Encoding.UTF8));
        var slave = xml.Root!.Element("SlaveInformation")!;
        CompareHeader(slave, telegram!, differences);
        if (telegram!.Error is not null)
        {
            differences.Add($"telegram: decoding stopped: {telegram.Error}");
        }

        var expected = xml.Root.Elements("DataRecord").ToList();
        var ours = telegram.Records.Select(Describe).ToList();
        if (telegram.HasManufacturerData)
        {
            ours.Add(new Row(telegram.MoreRecordsFollow ? "More records follow" : "Manufacturer specific", 0, 0, 0, "", Spaced(telegram.ManufacturerData.Span), null, ""));
        }

        if (expected.Count != ours.Count)
        {
            differences.Add($"records: libmbus has {expected.Count}, we have {ours.Count}");
        }

        for (int i = 0; i < Math.Min(expected.Count, ours.Count); i++)
        {
            recordsCompared++;
            CompareRecord(i, expected[i], ours[i], differences);
        }

        return differences;
    }

    private sealed record Row(string Function, long Storage, int Tariff, int Subunit, string Unit, string Text, double? Value, string Quantity);

    private static Row Describe(MBusRecord record) => new(
        record.Function switch
        {
            MBusFunction.Instantaneous => "Instantaneous value",
            MBusFunction.Maximum => "Maximum value",
            MBusFunction.Minimum => "Minimum value",
            _ => "Value during error state",
        },
        record.StorageNumber,
        record.Tariff,
        record.Subunit,
        record.Unit,
        record.Text,
        record.Value,
        record.Quantity.Name);

    private static void CompareHeader(XElement slave, MBusTelegram telegram, List<string> differences)
    {
        var header = telegram.Header;
        void Check(string field, string? ours)
        {
            string? theirs = slave.Element(field)?.Value;
            if (theirs is not null && !string.Equals(theirs, ours, StringComparison.Ordinal))
            {
                differences.Add($"header {field}: libmbus '{theirs}', ours '{ours}'");
            }
        }

        if (header.Identification is { } id)
        {
            // libmbus prints the 8 digits as a number (no leading zeros), also when they are not BCD.
            Check("Id", id.TrimStart('0') is { Length: > 0 } trimmed ? trimmed : "0");
        }

        Check("Manufacturer", header.Manufacturer);
        Check("Version", header.Version?.ToString(CultureInfo.InvariantCulture));
        Check("Medium", header.MediumName);
        Check("AccessNumber", header.AccessNumber.ToString(CultureInfo.InvariantCulture));
        Check("Status", header.Status.ToString("X2", CultureInfo.InvariantCulture));
    }

    private static void CompareRecord(int index, XElement expected, Row ours, List<string> differences)
    {
        if (expected.Element("StorageNumber") is null)
        {
            differences.Add($"record {index}: libmbus prints an empty record, ours is {ours.Quantity} = {ours.Text}");
            return;
        }

        string function = expected.Element("Function")?.Value ?? "";
        if (function != ours.Function)
        {
            differences.Add($"record {index}: function libmbus '{function}', ours '{ours.Function}'");
        }

        if (function is "Manufacturer specific" or "More records follow")
        {
            CompareText(index, expected.Element("Value")?.Value ?? "", ours.Text, differences);
            return;
        }

        long storage = long.Parse(expected.Element("StorageNumber")!.Value, CultureInfo.InvariantCulture);
        if (storage != ours.Storage)
        {
            differences.Add($"record {index}: storage libmbus {storage}, ours {ours.Storage}");
        }

        int tariff = int.Parse(expected.Element("Tariff")?.Value ?? "0", CultureInfo.InvariantCulture);
        int device = int.Parse(expected.Element("Device")?.Value ?? "0", CultureInfo.InvariantCulture);
        if (tariff != ours.Tariff || device != ours.Subunit)
        {
            differences.Add($"record {index}: tariff/subunit libmbus {tariff}/{device}, ours {ours.Tariff}/{ours.Subunit}");
        }

        // A plain-text VIF's text is its unit here; libmbus shows it as the quantity.
        string unit = ours.Quantity == "Plain text VIF" ? expected.Element("Quantity")?.Value ?? "" : NormalizeUnit(expected.Element("Unit")?.Value ?? "");
        if (unit != ours.Unit)
        {
            differences.Add($"record {index}: unit libmbus '{unit}', ours '{ours.Unit}'");
        }

        string value = expected.Element("Value")?.Value ?? "";
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double number) && value.Contains('.', StringComparison.Ordinal))
        {
            if (ours.Value is not { } ourNumber || Math.Abs(ourNumber - number) > 0.5e-6 + (Math.Abs(number) * 1e-9))
            {
                differences.Add($"record {index}: value libmbus {value}, ours '{ours.Text}'");
            }

            return;
        }

        CompareText(index, value, ours.Text, differences);
    }

    private static void CompareText(int index, string theirs, string ours, List<string> differences)
    {
        string a = theirs.Replace(" ", "", StringComparison.Ordinal).TrimEnd('Z');
        string b = ours.Replace(" ", "", StringComparison.Ordinal);
        if (!string.Equals(a, b, StringComparison.OrdinalIgnoreCase))
        {
            differences.Add($"record {index}: text libmbus '{theirs}', ours '{ours}'");
        }
    }

    /// <summary>libmbus's unit texts as ours: m^3 is m3, '-' (dates) is no unit.</summary>
    private static string NormalizeUnit(string unit) => unit switch
    {
        "-" or "Units for H.C.A." or "Reserved" or "reserved but historic" => "",
        _ => unit.Replace("m^3", "m3", StringComparison.Ordinal),
    };

    private static string Spaced(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (byte b in bytes)
        {
            text.Append(text.Length == 0 ? "" : " ").Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
