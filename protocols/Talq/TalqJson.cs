namespace City.Protocols.Talq;

/// <summary>Parses, validates and writes the TALQ shapes and the lighting set.</summary>
public static class TalqJson
{
    public static bool TryParseCalendar(string json, out TalqCalendar? c, out IReadOnlyList<string> errors) =>
        throw new NotImplementedException();

    public static bool TryParseControlProgram(string json, out TalqControlProgram? p, out IReadOnlyList<string> errors) =>
        throw new NotImplementedException();

    public static bool TryParseSet(string json, out LightingSet? s, out IReadOnlyList<string> errors) =>
        throw new NotImplementedException();

    public static string Serialize(TalqCalendar c) => throw new NotImplementedException();

    public static string Serialize(TalqControlProgram p) => throw new NotImplementedException();

    public static string Serialize(LightingSet s) => throw new NotImplementedException();
}
