using City.Protocols.Talq;

namespace Talq.Tests;

public sealed class TalqJsonFuzzTests
{
    [Fact]
    public void Mutated_sets_are_answered_never_thrown_and_what_parses_can_be_planned()
    {
        var original = TalqJson.Serialize(CityExample.Set());
        var alphabet = "{}[]\":,0123456789-+.eE tfnulLccDayDate---07-14T:Z\\";
        var random = new Random(1406);
        var parsed = 0;
        for (var i = 0; i < 3000; i++)
        {
            var chars = original.ToCharArray().ToList();
            for (var m = random.Next(1, 6); m > 0; m--)
            {
                var at = random.Next(chars.Count);
                switch (random.Next(3))
                {
                    case 0:
                        chars[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                    case 1:
                        chars.RemoveAt(at);
                        break;
                    default:
                        chars.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                }
            }

            var json = new string([.. chars]);
            var ok = TalqJson.TryParseSet(json, out var set, out var errors);

            Assert.Equal(ok, errors.Count == 0);
            if (ok)
            {
                parsed++;
                Assert.True(TalqJson.TryParseSet(TalqJson.Serialize(set!), out _, out _));
                foreach (var assignment in set!.Assignments)
                {
                    LightingSchedule.PlanDay(set, assignment, CityExample.Dijon, new DateOnly(2026, 7, 14));
                }
            }
        }

        Assert.InRange(parsed, 1, 2999);
    }
}
