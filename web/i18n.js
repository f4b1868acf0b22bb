/* i18n.js — every text of the web UI in Vietnamese and English (Vietnamese is the default). */
"use strict";
window.MOTCUA_I18N = {
  vi: {
    "app.name": "Một cửa", "lang.switch": "English", "signout": "Đăng xuất",
    "signin.title": "Đăng nhập", "signin.username": "Tên đăng nhập", "signin.password": "Mật khẩu",
    "signin.submit": "Đăng nhập", "signin.failed": "Không đăng nhập được.",
    "home.hello": "Xin chào", "home.username": "Tài khoản", "home.unit": "Đơn vị", "home.roles": "Vai trò",
    "units.title": "Đơn vị trong phạm vi", "units.search": "Tìm theo tên, có dấu hoặc không dấu",
    "units.find": "Tìm", "units.name": "Tên", "units.kind": "Loại", "units.code": "Mã định danh",
    "units.abbr": "Viết tắt", "units.more": "Xem thêm", "units.none": "Không có đơn vị nào.",
    "role.desk": "Tiếp nhận hồ sơ", "role.specialist": "Chuyên viên", "role.leader": "Lãnh đạo",
    "role.clerk": "Văn thư", "role.official": "Cán bộ tỉnh", "role.admin": "Quản trị",
    "kind.national": "Trung ương", "kind.province": "Tỉnh", "kind.commune": "Xã", "kind.ward": "Phường",
    "kind.department": "Phòng ban",
    "footer": "motcua — phần mềm một cửa mã nguồn mở", "error.network": "Không kết nối được máy chủ."
  },
  en: {
    "app.name": "One-stop", "lang.switch": "Tiếng Việt", "signout": "Sign out",
    "signin.title": "Sign in", "signin.username": "Username", "signin.password": "Password",
    "signin.submit": "Sign in", "signin.failed": "Could not sign in.",
    "home.hello": "Hello", "home.username": "Account", "home.unit": "Unit", "home.roles": "Roles",
    "units.title": "Units in your scope", "units.search": "Search by name, with or without diacritics",
    "units.find": "Find", "units.name": "Name", "units.kind": "Kind", "units.code": "Identifier code",
    "units.abbr": "Abbreviation", "units.more": "More", "units.none": "No units.",
    "role.desk": "Desk officer", "role.specialist": "Specialist", "role.leader": "Leader",
    "role.clerk": "Clerk", "role.official": "Province official", "role.admin": "Administrator",
    "kind.national": "National", "kind.province": "Province", "kind.commune": "Commune", "kind.ward": "Ward",
    "kind.department": "Department",
    "footer": "motcua — open-source one-stop software", "error.network": "Cannot reach the server."
  }
};
