using System.Text;

namespace NeTracker.Web.Tests.Api;

/// <summary>
/// An independent RFC 4180 reader for the tests: fields separated by commas, records by CRLF,
/// quoted fields may hold commas, CR/LF and doubled quotes. Strict: anything else throws.
/// </summary>
internal static class Rfc4180
{
    public static List<string[]> Parse(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                        throw new FormatException("unterminated quoted field");
                    if (text[i] == '"')
                    {
                        if (i + 1 < text.Length && text[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(text[i++]);
                }
                if (i < text.Length && text[i] != ',' && text[i] != '\r')
                    throw new FormatException($"character after closing quote at {i}");
            }
            else
            {
                while (i < text.Length && text[i] != ',' && text[i] != '\r')
                {
                    if (text[i] is '"' or '\n')
                        throw new FormatException($"unquoted quote or bare LF at {i}");
                    field.Append(text[i++]);
                }
            }
            row.Add(field.ToString());
            field.Clear();
            if (i < text.Length && text[i] == ',')
            {
                i++;
                continue;
            }
            if (i < text.Length)
            {
                if (i + 1 >= text.Length || text[i + 1] != '\n')
                    throw new FormatException($"CR without LF at {i}");
                i += 2;
            }
            rows.Add([.. row]);
            row.Clear();
        }
        return rows;
    }
}
