-- intake.lua — wrk script of bench/run_dossier: POST /api/v1/dossiers with a realistic, valid desk intake per
-- request, as a desk officer (session cookie + X-CSRF-Token from the environment).
--
-- Each request is unique: the applicant's name is drawn from common Vietnamese surnames, middle and given names
-- (full diacritics), the 12-digit citizen identity number (Circular 59/2021/TT-BCA art. 7: province code of
-- birth registration 001..096, century/sex digit 0/1 for the 20th century, 2-digit birth year, 6 digits) ends
-- in a per-thread counter, and the mobile phone (09x + 7 digits) is unique per thread and request.
-- Environment: BENCH_COOKIE, BENCH_CSRF, BENCH_PROCEDURE (a procedure of the demo catalog), BENCH_PAPER (its
-- mandatory paper), BENCH_RUN (a number distinguishing rounds, 0..99).
local surnames = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
                  "Hồ", "Ngô", "Dương", "Lý", "H'Niê", "Y Bhin"}
local middles = {"Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Xuân", "Thu"}
local givens = {"An", "Bình", "Cường", "Dũng", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
                "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phúc", "Phương", "Quân", "Sơn",
                "Thảo", "Thủy", "Trang", "Tuấn", "Việt", "Yến"}
local villages = {"Thôn 1", "Thôn 3", "Thôn Trung Tâm", "Buôn Buôr", "Tổ dân phố 5", "Thôn Đắk Hà"}

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local cookie = os.getenv("BENCH_COOKIE")
local csrf = os.getenv("BENCH_CSRF")
local procedure = os.getenv("BENCH_PROCEDURE") or "2.000806"
local paper = os.getenv("BENCH_PAPER") or "don-de-nghi"
local run = tonumber(os.getenv("BENCH_RUN") or "0") % 100
local n = 0

function request()
  n = n + 1
  local t = tid or 1
  local k = t * 7919 + n
  local name = surnames[k % #surnames + 1] .. " " .. middles[math.floor(k / 3) % #middles + 1] .. " " ..
               givens[math.floor(k / 7) % #givens + 1]
  -- 0PP (province 001..096) + century/sex digit 0|1 + year 50..99 + 6 digits (thread, request)
  local id = string.format("%03d%d%02d%06d", (k % 96) + 1, k % 2, 50 + k % 50, (t * 100000 + n) % 1000000)
  -- 09 + run (2 digits) + thread (1 digit) + request (5 digits): unique in one run of <= 9 threads x 100k requests
  local phone = string.format("09%02d%d%05d", run, t % 10, n % 100000)
  local body = string.format(
    '{"procedure":"%s","channel":"desk","applicant":{"kind":"person","name":"%s","id_number":"%s",' ..
    '"phone":"%s","address":"%s, xã Cư Jút, tỉnh Lâm Đồng"},' ..
    '"papers":[{"paper":"%s","copies":1,"form":"original"}],"content":"Đề nghị giải quyết theo quy định"}',
    procedure, name, id, phone, villages[k % #villages + 1], paper)
  return wrk.format("POST", "/api/v1/dossiers", {
    ["Content-Type"] = "application/json",
    ["Cookie"] = cookie,
    ["X-CSRF-Token"] = csrf,
  }, body)
end

local bad = 0
function response(status, headers, body)
  if status ~= 201 and bad < 3 then
    bad = bad + 1
    io.stderr:write("intake.lua: HTTP " .. status .. ": " .. body .. "\n")
  end
end
